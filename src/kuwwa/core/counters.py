"""Gapless counters: numbers taken under a row lock in the caller's transaction."""

from __future__ import annotations

from django.db import transaction

from kuwwa.core.models import Counter


def counter_next(*, company_id: int, name: str, count: int = 1) -> int:
    """Reserve `count` numbers and return the first. A rollback gives them back.

    One UPDATE … RETURNING takes the row lock and reads the new value in a single round trip.
    """
    if count < 1:
        raise ValueError("count must be positive")
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("counter_next must run inside a transaction")
    table = Counter._meta.db_table
    conn = transaction.get_connection()
    sql = (
        f"UPDATE {table} SET value = value + %s WHERE company_id = %s AND name = %s RETURNING value"  # noqa: S608 - table name is ours
    )
    with conn.cursor() as cursor:
        cursor.execute(sql, [count, company_id, name])
        row = cursor.fetchone()
        if row is None:
            Counter.objects.get_or_create(company_id=company_id, name=name)
            cursor.execute(sql, [count, company_id, name])
            row = cursor.fetchone()
    return int(row[0]) - count + 1


def counter_raise_to(*, company_id: int, name: str, at_least: int) -> None:
    """Move a counter forward past numbers that were assigned in bulk (demo data, imports)."""
    Counter.objects.get_or_create(company_id=company_id, name=name)
    Counter.objects.filter(company_id=company_id, name=name, value__lt=at_least).update(
        value=at_least
    )
