"""Gapless counters: numbers taken under a row lock in the caller's transaction."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F

from kuwwa.core.models import Counter


def counter_next(*, company_id: int, name: str, count: int = 1) -> int:
    """Reserve `count` numbers and return the first. A rollback gives them back."""
    if count < 1:
        raise ValueError("count must be positive")
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("counter_next must run inside a transaction")
    updated = Counter.objects.filter(company_id=company_id, name=name).update(
        value=F("value") + count
    )
    if not updated:
        Counter.objects.get_or_create(company_id=company_id, name=name)
        Counter.objects.filter(company_id=company_id, name=name).update(value=F("value") + count)
    value = Counter.objects.values_list("value", flat=True).get(company_id=company_id, name=name)
    return value - count + 1


def counter_raise_to(*, company_id: int, name: str, at_least: int) -> None:
    """Move a counter forward past numbers that were assigned in bulk (demo data, imports)."""
    Counter.objects.get_or_create(company_id=company_id, name=name)
    Counter.objects.filter(company_id=company_id, name=name, value__lt=at_least).update(
        value=at_least
    )
