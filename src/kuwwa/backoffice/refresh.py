"""`stats_refresh`: bring the summary tables up to date, incrementally (ADR 0005).

Source rows are never deleted, so the summaries only ever add what is new:

- **insert streams** (payments, bills, allocations, readings): a cursor holds the highest id
  summarised. Ids are handed out before commit, so a row with a lower id can commit after a
  higher one; the ids missing below the cursor when it moves are kept as *gaps* and looked at
  again by every refresh until their rows appear (then they are added) or the gap is older
  than `KUWWA_STATS_GAP_TTL_HOURS` (a rolled-back transaction never fills it).
- **change streams** (reversals, approved adjustments): a row changes state later. Every change
  newer than the cursor's time minus a margin (`KUWWA_STATS_CHANGE_MARGIN_HOURS`, covering
  clock skew between app servers and long transactions) is looked at, and a "counted" table
  keyed by the row's id makes counting one twice impossible.

One refresh is one transaction over one snapshot (REPEATABLE READ on PostgreSQL, a write
transaction on SQLite), under a lock so that two refreshes never interleave; running it again
with nothing new changes nothing. Every statement is set-based SQL, portable between SQLite
(3.24+ for upserts) and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from kuwwa.backoffice.models import (
    BillCycleStats,
    CollectionDaily,
    CollectorDaily,
    CountedAdjustment,
    CountedReversal,
    OwnerDaily,
    ReadingCycleStats,
    StatsCursor,
    StatsGap,
)
from kuwwa.organizations.models import ESTABLISHMENT_CODE, Company

_LOCK_KEY = 0x6B75_7777_0005  # "kuww" + ADR number: the PostgreSQL advisory lock
_EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)

# ---- SQL: insert streams --------------------------------------------------------------------
# Each takes (lo, hi) and adds the rows with lo <= id <= hi.

# The three payment summaries differ only in their key: (table, company column, key columns,
# key expressions over the payment row p). Each becomes an "add the new rows" statement and an
# "add the reversals of this batch" statement from the two templates below.
_PAYMENT_TABLES = (
    (
        "backoffice_collectiondaily",
        "p.company_id",
        "collector_id, center_id, channel, cashier_id",
        "p.collector_id, p.center_id, p.channel, COALESCE(p.cashier_id, 0)",
    ),
    ("backoffice_ownerdaily", "p.company_id", "collector_id, channel", "p.collector_id, p.channel"),
    (
        "backoffice_collectordaily",
        "p.collector_id",
        "center_id, channel, cashier_id",
        "p.center_id, p.channel, COALESCE(p.cashier_id, 0)",
    ),
)

_ADD_TEMPLATE = """
INSERT INTO <table> (company_id, business_date, <cols>, payments, amount, reversed_payments,
    reversed_amount)
SELECT <company>, p.business_date, <exprs>, COUNT(*), SUM(p.amount), 0, 0
FROM collection_payment p WHERE p.id >= %s AND p.id <= %s
GROUP BY <company>, p.business_date, <exprs>
ON CONFLICT (company_id, business_date, <cols>)
DO UPDATE SET payments = <table>.payments + excluded.payments,
    amount = <table>.amount + excluded.amount
"""

_REVERSE_TEMPLATE = """
INSERT INTO <table> (company_id, business_date, <cols>, payments, amount, reversed_payments,
    reversed_amount)
SELECT <company>, p.business_date, <exprs>, 0, 0, COUNT(*), SUM(p.amount)
FROM backoffice_countedreversal c
JOIN collection_payment p ON p.id = c.payment_id AND p.company_id = c.company_id
WHERE c.batch = %s
GROUP BY <company>, p.business_date, <exprs>
ON CONFLICT (company_id, business_date, <cols>)
DO UPDATE SET reversed_payments = <table>.reversed_payments + excluded.reversed_payments,
    reversed_amount = <table>.reversed_amount + excluded.reversed_amount
"""


def _fill(template: str, table: str, company: str, cols: str, exprs: str) -> str:
    """The template with its fixed placeholders replaced (never user input)."""
    return (
        template.replace("<table>", table)
        .replace("<company>", company)
        .replace("<cols>", cols)
        .replace("<exprs>", exprs)
    )


_PAYMENTS_ADD = tuple(_fill(_ADD_TEMPLATE, *spec) for spec in _PAYMENT_TABLES)
_PAYMENTS_REVERSE = tuple(_fill(_REVERSE_TEMPLATE, *spec) for spec in _PAYMENT_TABLES)

# A bill's `paid` at issue is the credit applied by the billing run; later payments come
# through allocations, so counting credit_applied here and allocations below counts each once.
_BILLS = """
INSERT INTO backoffice_billcyclestats (company_id, cycle_id, due_date, bills, billed, adjusted,
    paid)
SELECT company_id, cycle_id, due_date, COUNT(*), SUM(total), 0, SUM(credit_applied)
FROM billing_bill WHERE id >= %s AND id <= %s AND total > 0
GROUP BY company_id, cycle_id, due_date
ON CONFLICT (company_id, cycle_id, due_date)
DO UPDATE SET bills = backoffice_billcyclestats.bills + excluded.bills,
    billed = backoffice_billcyclestats.billed + excluded.billed,
    paid = backoffice_billcyclestats.paid + excluded.paid
"""

_ALLOCATIONS = """
INSERT INTO backoffice_billcyclestats (company_id, cycle_id, due_date, bills, billed, adjusted,
    paid)
SELECT b.company_id, b.cycle_id, b.due_date, 0, 0, 0, SUM(a.amount)
FROM collection_allocation a JOIN billing_bill b ON b.id = a.bill_id
WHERE a.id >= %s AND a.id <= %s AND b.total > 0
GROUP BY b.company_id, b.cycle_id, b.due_date
ON CONFLICT (company_id, cycle_id, due_date)
DO UPDATE SET paid = backoffice_billcyclestats.paid + excluded.paid
"""

_READINGS = """
INSERT INTO backoffice_readingcyclestats (company_id, cycle_id, source, readings)
SELECT company_id, cycle_id, source, COUNT(*)
FROM billing_meterreading WHERE id >= %s AND id <= %s
GROUP BY company_id, cycle_id, source
ON CONFLICT (company_id, cycle_id, source)
DO UPDATE SET readings = backoffice_readingcyclestats.readings + excluded.readings
"""

# (stream, source table, statements); the tables are fixed names, never user input.
_INSERT_STREAMS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("payments", "collection_payment", _PAYMENTS_ADD),
    ("bills", "billing_bill", (_BILLS,)),
    ("allocations", "collection_allocation", (_ALLOCATIONS,)),
    ("readings", "billing_meterreading", (_READINGS,)),
)

_TABLES = ("collection_payment", "billing_bill", "collection_allocation", "billing_meterreading")
_MAX_ID = {t: "SELECT MAX(id) FROM <table>".replace("<table>", t) for t in _TABLES}
# Missing ids in (W, M]: each row's predecessor (W for the first) more than 1 below it.
_GAPS = {
    t: (
        "SELECT prev + 1, id - 1 FROM (SELECT id, LAG(id, 1, %s) OVER (ORDER BY id) AS prev "
        "FROM <table> WHERE id > %s AND id <= %s) t WHERE id - prev > 1"
    ).replace("<table>", t)
    for t in _TABLES
}
_PRESENT = {
    t: "SELECT id FROM <table> WHERE id >= %s AND id <= %s ORDER BY id".replace("<table>", t)
    for t in _TABLES
}

# ---- SQL: change streams --------------------------------------------------------------------

_REVERSALS_MARK = """
INSERT INTO backoffice_countedreversal (company_id, payment_id, batch, counted_at)
SELECT p.company_id, p.id, %s, %s FROM collection_payment p
WHERE p.reversed_at IS NOT NULL AND p.reversed_at >= %s
  AND NOT EXISTS (SELECT 1 FROM backoffice_countedreversal c
                  WHERE c.company_id = p.company_id AND c.payment_id = p.id)
"""

# A reversal gives back to the bills what its allocations took.
_REVERSALS_BILLS = """
INSERT INTO backoffice_billcyclestats (company_id, cycle_id, due_date, bills, billed, adjusted,
    paid)
SELECT b.company_id, b.cycle_id, b.due_date, 0, 0, 0, -SUM(a.amount)
FROM backoffice_countedreversal c
JOIN collection_allocation a ON a.payment_id = c.payment_id AND a.company_id = c.company_id
JOIN billing_bill b ON b.id = a.bill_id
WHERE c.batch = %s AND b.total > 0
GROUP BY b.company_id, b.cycle_id, b.due_date
ON CONFLICT (company_id, cycle_id, due_date)
DO UPDATE SET paid = backoffice_billcyclestats.paid + excluded.paid
"""

_REVERSALS_LAST = """
SELECT MAX(p.reversed_at) FROM backoffice_countedreversal c
JOIN collection_payment p ON p.id = c.payment_id AND p.company_id = c.company_id
WHERE c.batch = %s
"""

_ADJUSTMENTS_MARK = """
INSERT INTO backoffice_countedadjustment (company_id, adjustment_id, batch, counted_at)
SELECT a.company_id, a.id, %s, %s FROM billing_adjustment a
WHERE a.state = 'approved' AND a.decided_at >= %s
  AND NOT EXISTS (SELECT 1 FROM backoffice_countedadjustment c
                  WHERE c.company_id = a.company_id AND c.adjustment_id = a.id)
"""

_ADJUSTMENTS_BILLS = """
INSERT INTO backoffice_billcyclestats (company_id, cycle_id, due_date, bills, billed, adjusted,
    paid)
SELECT b.company_id, b.cycle_id, b.due_date, 0, 0,
    SUM(CASE WHEN a.kind = 'debit' THEN a.amount ELSE -a.amount END), 0
FROM backoffice_countedadjustment c
JOIN billing_adjustment a ON a.id = c.adjustment_id AND a.company_id = c.company_id
JOIN billing_bill b ON b.id = a.bill_id
WHERE c.batch = %s AND b.total > 0
GROUP BY b.company_id, b.cycle_id, b.due_date
ON CONFLICT (company_id, cycle_id, due_date)
DO UPDATE SET adjusted = backoffice_billcyclestats.adjusted + excluded.adjusted
"""

_ADJUSTMENTS_LAST = """
SELECT MAX(a.decided_at) FROM backoffice_countedadjustment c
JOIN billing_adjustment a ON a.id = c.adjustment_id AND a.company_id = c.company_id
WHERE c.batch = %s
"""

_SUMMARY_MODELS = (
    CollectionDaily,
    OwnerDaily,
    CollectorDaily,
    CountedReversal,
    BillCycleStats,
    CountedAdjustment,
    ReadingCycleStats,
    StatsGap,
    StatsCursor,
)


@dataclass
class RefreshResult:
    """What one refresh added; `skipped` when another refresh held the lock."""

    added: dict[str, int] = field(default_factory=dict)
    gaps_filled: int = 0
    gaps_open: int = 0
    reversals: int = 0
    adjustments: int = 0
    skipped: bool = False

    @property
    def changed(self) -> bool:
        return bool(sum(self.added.values()) or self.gaps_filled or self.reversals)


def _hours(name: str, default: float) -> dt.timedelta:
    return dt.timedelta(hours=float(getattr(settings, name, default)))


@contextmanager
def _lock(*, wait: bool) -> Iterator[bool]:
    """PostgreSQL: a session advisory lock, so refreshes never interleave. SQLite needs none:
    its write transactions already run one at a time."""
    if connection.vendor != "postgresql":
        yield True
        return
    with connection.cursor() as cur:
        if wait:
            cur.execute("SELECT pg_advisory_lock(%s)", [_LOCK_KEY])
            got = True
        else:
            cur.execute("SELECT pg_try_advisory_lock(%s)", [_LOCK_KEY])
            got = bool(cur.fetchone()[0])
    try:
        yield got
    finally:
        if got:
            with connection.cursor() as cur:
                cur.execute("SELECT pg_advisory_unlock(%s)", [_LOCK_KEY])


def _one_snapshot() -> None:
    """All reads of a refresh see the same committed state: PostgreSQL's default, READ
    COMMITTED, takes a new snapshot per statement. Must be the transaction's first statement;
    inside an outer transaction (tests) it can no longer be set, and nothing runs concurrently.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")


_STREAMS = ("payments", "bills", "allocations", "readings", "reversals", "adjustments")
_ALL_MAX_IDS = "SELECT " + ", ".join("(" + _MAX_ID[t] + ")" for t in _TABLES)


def _cursors(est: Company) -> dict[str, StatsCursor]:
    cursors = {c.stream: c for c in StatsCursor.objects.filter(company=est)}
    missing = [StatsCursor(company=est, stream=s) for s in _STREAMS if s not in cursors]
    if missing:
        StatsCursor.objects.bulk_create(missing)
        cursors = {c.stream: c for c in StatsCursor.objects.filter(company=est)}
    return cursors


def _run(statements: tuple[str, ...], lo: int, hi: int) -> None:
    with connection.cursor() as cur:
        for sql in statements:
            cur.execute(sql, [lo, hi])


def _recheck_gaps(
    est: Company,
    stream: str,
    table: str,
    statements: tuple[str, ...],
    gaps: list[StatsGap],
    now: dt.datetime,
) -> tuple[int, int]:
    """Add the rows that appeared in old gaps; returns (rows added, gaps still watched)."""
    filled, watched = 0, 0
    ttl = _hours("KUWWA_STATS_GAP_TTL_HOURS", 24)
    for gap in gaps:
        with connection.cursor() as cur:
            cur.execute(_PRESENT[table], [gap.lo, gap.hi])
            present = [int(r[0]) for r in cur.fetchall()]
        if present:
            _run(statements, gap.lo, gap.hi)
            filled += len(present)
            missing = _ranges_missing(gap.lo, gap.hi, present)
            StatsGap.objects.bulk_create(
                StatsGap(company=est, stream=stream, lo=lo, hi=hi, noticed_at=gap.noticed_at)
                for lo, hi in missing
            )
            watched += len(missing)
            gap.delete()
        elif gap.noticed_at < now - ttl:
            gap.delete()
        else:
            watched += 1
    return filled, watched


def _insert_stream(
    est: Company,
    cursor: StatsCursor,
    table: str,
    statements: tuple[str, ...],
    high: int,
    now: dt.datetime,
) -> tuple[int, int]:
    """Add the rows above the cursor and move it to `high`; returns (rows added, new gaps)."""
    if high <= cursor.last_id:
        return 0, 0
    low = cursor.last_id
    _run(statements, low + 1, high)
    with connection.cursor() as cur:
        cur.execute(_GAPS[table], [low, low, high])
        gaps = [(int(a), int(b)) for a, b in cur.fetchall()]
    StatsGap.objects.bulk_create(
        StatsGap(company=est, stream=cursor.stream, lo=lo, hi=hi, noticed_at=now) for lo, hi in gaps
    )
    cursor.last_id = high
    cursor.save(update_fields=["last_id"])
    return high - low - sum(hi - lo + 1 for lo, hi in gaps), len(gaps)


def _ranges_missing(lo: int, hi: int, present: list[int]) -> list[tuple[int, int]]:
    """The sub-ranges of [lo, hi] not in `present` (sorted)."""
    out: list[tuple[int, int]] = []
    start = lo
    for value in present:
        if value > start:
            out.append((start, value - 1))
        start = value + 1
    if start <= hi:
        out.append((start, hi))
    return out


def _as_aware(value: object) -> dt.datetime | None:
    if value is None:
        return None
    if isinstance(value, str):  # SQLite hands raw text to a bare MAX()
        value = dt.datetime.fromisoformat(value)
    assert isinstance(value, dt.datetime)
    return timezone.make_aware(value, dt.UTC) if timezone.is_naive(value) else value


def _change_stream(
    cursor: StatsCursor,
    now: dt.datetime,
    batch: int,
    mark: str,
    apply: tuple[str, ...],
    last: str,
) -> int:
    """Count the state changes not counted yet, from the cursor's time minus the margin."""
    margin = _hours("KUWWA_STATS_CHANGE_MARGIN_HOURS", 24)
    since = (cursor.last_at - margin) if cursor.last_at else _EPOCH
    with connection.cursor() as cur:
        adapt = connection.ops.adapt_datetimefield_value  # SQLite stores text in UTC
        cur.execute(mark, [batch, adapt(now), adapt(since)])
        counted = max(cur.rowcount, 0)
        if not counted:
            return 0
        for sql in apply:
            cur.execute(sql, [batch])
        cur.execute(last, [batch])
        newest = _as_aware(cur.fetchone()[0])
    if newest is not None and (cursor.last_at is None or newest > cursor.last_at):
        cursor.last_at = newest
        cursor.save(update_fields=["last_at"])
    return counted


def _refresh_all(now: dt.datetime) -> RefreshResult:
    est = Company.objects.get(code=ESTABLISHMENT_CODE)
    cursors = _cursors(est)
    gaps: dict[str, list[StatsGap]] = {}
    for gap in StatsGap.objects.filter(company=est).order_by("stream", "lo"):
        gaps.setdefault(gap.stream, []).append(gap)
    with connection.cursor() as cur:
        cur.execute(_ALL_MAX_IDS)
        highs = dict(zip(_TABLES, (int(v or 0) for v in cur.fetchone()), strict=True))
    result = RefreshResult()
    for stream, table, statements in _INSERT_STREAMS:
        filled, watched = _recheck_gaps(est, stream, table, statements, gaps.get(stream, []), now)
        added, new_gaps = _insert_stream(est, cursors[stream], table, statements, highs[table], now)
        result.added[stream] = added
        result.gaps_filled += filled
        result.gaps_open += watched + new_gaps
    batch = int(now.timestamp() * 1_000_000)  # unique: refreshes never overlap (the lock)
    result.reversals = _change_stream(
        cursors["reversals"],
        now,
        batch,
        _REVERSALS_MARK,
        (*_PAYMENTS_REVERSE, _REVERSALS_BILLS),
        _REVERSALS_LAST,
    )
    result.adjustments = _change_stream(
        cursors["adjustments"],
        now,
        batch,
        _ADJUSTMENTS_MARK,
        (_ADJUSTMENTS_BILLS,),
        _ADJUSTMENTS_LAST,
    )
    StatsCursor.objects.filter(company=est).update(refreshed_at=now)
    return result


def stats_refresh(*, wait: bool = True, rebuild: bool = False) -> RefreshResult:
    """Summarise what is new since the last refresh (idempotent; safe every minute).

    `wait=False` (the dashboards) returns at once, `skipped`, if another refresh is running.
    `rebuild=True` empties the summaries first and recomputes everything from the rows.
    """
    with _lock(wait=wait) as got:
        if not got:
            return RefreshResult(skipped=True)
        outermost = not connection.in_atomic_block
        with transaction.atomic():
            if outermost:
                _one_snapshot()
            if rebuild:
                for model in _SUMMARY_MODELS:
                    model.objects.all().delete()
            return _refresh_all(timezone.now())


def last_refreshed_at() -> dt.datetime | None:
    """When the payments stream was last brought up to date (shown on the dashboards)."""
    return (
        StatsCursor.objects.filter(stream="payments").values_list("refreshed_at", flat=True).first()
    )
