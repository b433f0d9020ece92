"""The summary tables equal a direct computation from the source rows, after any sequence of
refreshes: idempotent, late reversals counted once, late commits below the cursor counted."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable

import pytest
from django.core.management import call_command
from django.db.models import Sum
from django.utils import timezone
from tests.backoffice.conftest import pay

from kuwwa.backoffice.models import (
    BillCycleStats,
    CollectionDaily,
    CollectorDaily,
    OwnerDaily,
    ReadingCycleStats,
    StatsCursor,
    StatsGap,
)
from kuwwa.backoffice.refresh import stats_refresh
from kuwwa.billing.models import Bill, MeterReading
from kuwwa.collection.models import Payment
from kuwwa.collection.services import payment_reverse

pytestmark = pytest.mark.django_db


def direct_payments() -> dict[tuple, tuple[int, int, int, int]]:
    """(owner, day, collector, center, channel, cashier) → gross count/amount, reversed."""
    out: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for p in Payment.objects.all():
        key = (
            p.company_id,
            p.business_date,
            p.collector_id,
            p.center_id,
            p.channel,
            p.cashier_id or 0,
        )
        out[key][0] += 1
        out[key][1] += p.amount
        if p.status == Payment.Status.REVERSED:
            out[key][2] += 1
            out[key][3] += p.amount
    return {k: tuple(v) for k, v in out.items()}


def summary_payments() -> dict[tuple, tuple[int, int, int, int]]:
    return {
        (
            r.company_id,
            r.business_date,
            r.collector_id,
            r.center_id,
            r.channel,
            r.cashier_id,
        ): (r.payments, r.amount, r.reversed_payments, r.reversed_amount)
        for r in CollectionDaily.objects.all()
    }


def _summary(model, *key: str) -> dict[tuple, tuple[int, int, int, int]]:
    return {
        tuple(getattr(r, k) for k in key): (
            r.payments,
            r.amount,
            r.reversed_payments,
            r.reversed_amount,
        )
        for r in model.objects.all()
    }


def regrouped(fine: dict[tuple, tuple[int, ...]], key: Callable) -> dict[tuple, tuple[int, ...]]:
    """The fine rows summed under another key."""
    out: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for fine_key, values in fine.items():
        for i, v in enumerate(values):
            out[key(*fine_key)][i] += v
    return {k: tuple(v) for k, v in out.items()}


def direct_bills() -> dict[tuple, tuple[int, int, int, int]]:
    out: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for b in Bill.objects.filter(total__gt=0):
        row = out[(b.company_id, b.cycle_id, b.due_date)]
        row[0] += 1
        row[1] += b.total
        row[2] += b.adjusted
        row[3] += b.paid
    return {k: tuple(v) for k, v in out.items()}


def summary_bills() -> dict[tuple, tuple[int, int, int, int]]:
    return {
        (r.company_id, r.cycle_id, r.due_date): (r.bills, r.billed, r.adjusted, r.paid)
        for r in BillCycleStats.objects.all()
    }


def assert_summaries_equal_rows() -> None:
    direct = direct_payments()
    assert summary_payments() == direct
    assert _summary(OwnerDaily, "company_id", "business_date", "collector_id", "channel") == (
        regrouped(
            direct, lambda owner, day, collector, _c, channel, _k: (owner, day, collector, channel)
        )
    )
    assert _summary(
        CollectorDaily, "company_id", "business_date", "center_id", "channel", "cashier_id"
    ) == regrouped(
        direct, lambda _o, day, collector, center, channel, k: (collector, day, center, channel, k)
    )
    assert summary_bills() == direct_bills()
    readings = Counter(MeterReading.objects.values_list("company_id", "cycle_id", "source"))
    assert {
        (r.company_id, r.cycle_id, r.source): r.readings for r in ReadingCycleStats.objects.all()
    } == dict(readings)


def test_refresh_equals_the_rows_and_is_idempotent(world) -> None:
    first = stats_refresh()
    assert first.added["payments"] == Payment.objects.count() == 5
    assert first.reversals == 1
    assert first.adjustments == 1
    assert_summaries_equal_rows()
    snapshot = (summary_payments(), summary_bills())
    again = stats_refresh()
    assert not again.changed
    assert again.added == {"payments": 0, "bills": 0, "allocations": 0, "readings": 0}
    assert (summary_payments(), summary_bills()) == snapshot


def test_a_reversal_after_the_watermark_is_counted_once(world) -> None:
    stats_refresh()
    target = Payment.objects.filter(status="posted", collector__code="01").order_by("pk").first()
    assert target.pk <= StatsCursor.objects.get(stream="payments").last_id
    payment_reverse(
        actor=world.cashiers["01"][0],
        payment=target,
        reason="duplicate",
        approver=world.supervisor01,
    )
    result = stats_refresh()
    assert result.reversals == 1
    assert_summaries_equal_rows()
    assert stats_refresh().reversals == 0
    assert_summaries_equal_rows()


def test_new_payments_bills_and_allocations_are_added(world) -> None:
    stats_refresh()
    pay(world, "03", "01", 7_000_00)
    pay(world, "01", "03", 3_000_00)
    stats_refresh()
    assert_summaries_equal_rows()


def _clone(payment: Payment, pk: int, reference: str) -> Payment:
    clone = Payment.objects.get(pk=payment.pk)
    clone.pk = pk
    clone.client_reference = reference
    clone.receipt_number = reference
    clone.status = Payment.Status.POSTED
    clone.reversed_at = None
    clone.save(force_insert=True)
    return clone


def test_a_row_committed_late_below_the_cursor_is_counted(world) -> None:
    """Ids are handed out before commit: id N+1 may commit after N+2 was summarised."""
    stats_refresh()
    base = Payment.objects.order_by("-pk").first()
    high = base.pk + 1_000
    _clone(base, high + 2, "late-2")  # committed first
    stats_refresh()
    gap = StatsGap.objects.get(stream="payments", lo__gt=base.pk)
    assert (gap.lo, gap.hi) == (base.pk + 1, high + 1)
    _clone(base, high + 1, "late-1")  # the straggler commits
    result = stats_refresh()
    assert result.gaps_filled == 1
    assert_summaries_equal_rows()
    gap = StatsGap.objects.get(stream="payments", lo__gt=base.pk)
    assert (gap.lo, gap.hi) == (base.pk + 1, high)  # what is left is still watched
    assert not stats_refresh().changed


def test_old_gaps_are_forgotten(world, settings) -> None:
    stats_refresh()
    base = Payment.objects.order_by("-pk").first()
    _clone(base, base.pk + 5, "jump")
    stats_refresh()
    assert StatsGap.objects.filter(lo__gt=base.pk).count() == 1
    StatsGap.objects.update(noticed_at=timezone.now() - dt.timedelta(hours=25))
    stats_refresh()
    assert StatsGap.objects.count() == 0


def test_a_reversal_seen_before_its_margin_ends_is_still_counted(world, settings) -> None:
    """The change cursor looks back a margin, so a reversal stamped earlier than the newest
    one seen (clock skew between app servers) is not lost."""
    stats_refresh()
    target = Payment.objects.filter(status="posted").order_by("pk").first()
    Payment.objects.filter(pk=target.pk).update(
        status="reversed", reversed_at=timezone.now() - dt.timedelta(hours=3)
    )
    assert stats_refresh().reversals == 1
    assert summary_payments() == direct_payments()


def test_rebuild_gives_the_same_summaries(world) -> None:
    stats_refresh()
    pay(world, "01", "01", 1_500_00)
    stats_refresh()
    before = (summary_payments(), _summary(OwnerDaily, "id"), summary_bills())
    stats_refresh(rebuild=True)
    assert (summary_payments(), summary_bills()) == (before[0], before[2])
    assert_summaries_equal_rows()


def test_stats_refresh_command(world, capsys) -> None:
    call_command("stats_refresh")
    out = capsys.readouterr().out
    assert "payments +5" in out
    call_command("stats_refresh")
    assert "nothing new" in capsys.readouterr().out
    total = CollectionDaily.objects.aggregate(t=Sum("amount"))["t"]
    assert total == Payment.objects.aggregate(t=Sum("amount"))["t"]
