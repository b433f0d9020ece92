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

from kuwwa.backoffice import summary_sql as sql
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


def _cursors(est: Company) -> dict[str, StatsCursor]:
    cursors = {c.stream: c for c in StatsCursor.objects.filter(company=est)}
    missing = [StatsCursor(company=est, stream=s) for s in _STREAMS if s not in cursors]
    if missing:
        StatsCursor.objects.bulk_create(missing)
        cursors = {c.stream: c for c in StatsCursor.objects.filter(company=est)}
    return cursors


def _run(statements: tuple[str, ...], lo: int, hi: int) -> None:
    with connection.cursor() as cur:
        for statement in statements:
            cur.execute(statement, [lo, hi])


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
            cur.execute(sql.PRESENT[table], [gap.lo, gap.hi])
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
        cur.execute(sql.GAPS[table], [low, low, high])
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
        for statement in apply:
            cur.execute(statement, [batch])
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
        cur.execute(sql.ALL_MAX_IDS)
        highs = dict(zip(sql.TABLES, (int(v or 0) for v in cur.fetchone()), strict=True))
    result = RefreshResult()
    for stream, table, statements in sql.INSERT_STREAMS:
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
        sql.REVERSALS_MARK,
        (*sql.PAYMENTS_REVERSE, sql.REVERSALS_BILLS),
        sql.REVERSALS_LAST,
    )
    result.adjustments = _change_stream(
        cursors["adjustments"],
        now,
        batch,
        sql.ADJUSTMENTS_MARK,
        (sql.ADJUSTMENTS_BILLS,),
        sql.ADJUSTMENTS_LAST,
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
