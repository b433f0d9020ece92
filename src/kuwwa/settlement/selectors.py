"""Reads about business days."""

from __future__ import annotations

import datetime as dt

from kuwwa.settlement.models import BusinessDay


def day_is_settled(day: dt.date) -> bool:
    """True once the establishment has settled the day between companies."""
    return BusinessDay.objects.filter(date=day, state=BusinessDay.State.SETTLED).exists()
