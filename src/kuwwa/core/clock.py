"""Business time: the business day follows Asia/Damascus with a configurable cut-off.

A payment taken after the cut-off (say 22:00) belongs to the next business day, so the
day can be closed and settled while counters are still open.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone


def business_date(moment: dt.datetime | None = None) -> dt.date:
    """The business day a moment belongs to."""
    local = timezone.localtime(moment or timezone.now())
    cutoff: dt.time | None = getattr(settings, "KUWWA_BUSINESS_DAY_CUTOFF", None)
    if cutoff is not None and local.time() >= cutoff:
        return local.date() + dt.timedelta(days=1)
    return local.date()
