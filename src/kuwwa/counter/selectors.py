"""Reads the counter screens need that the cashiering and collection selectors do not give.

Each is one or two queries however many rows there are (the supervisor's screen lists every
cashier of the center), and each filters by the collecting company so it stays on one shard.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from kuwwa.cashiering.models import Deposit, Handover, Shift
from kuwwa.collection.models import Payment
from kuwwa.ledger import chart
from kuwwa.ledger.models import Posting


@dataclass(frozen=True)
class TenderLine:
    tender: str
    count: int
    total: int


@dataclass(frozen=True)
class ShiftTotals:
    """What a Z report adds up: payments by tender, reversals and handovers of one shift."""

    by_tender: tuple[TenderLine, ...]
    payments_count: int
    payments_total: int
    reversals_count: int
    reversals_total: int
    handovers_count: int
    handovers_total: int


def shift_payments(*, shift: Shift) -> QuerySet[Payment]:
    """The shift's payments, newest first, with what the list shows."""
    return (
        Payment.objects.filter(collector_id=shift.company_id, shift_id=shift.pk)
        .select_related("company", "account")
        .order_by("-received_at", "-pk")
    )


def shift_payment_get(*, shift: Shift, pk: int) -> Payment | None:
    """A payment of this shift only: a cashier never reaches another drawer's payments."""
    return (
        Payment.objects.filter(collector_id=shift.company_id, shift_id=shift.pk, pk=pk)
        .select_related("company")
        .first()
    )


def shift_payments_count(*, shift: Shift) -> int:
    return Payment.objects.filter(
        collector_id=shift.company_id, shift_id=shift.pk, status=Payment.Status.POSTED
    ).count()


def shift_totals(*, shift: Shift) -> ShiftTotals:
    """Three aggregate queries, whatever the number of payments."""
    payments = Payment.objects.filter(collector_id=shift.company_id, shift_id=shift.pk)
    rows = payments.values("tender").annotate(n=Count("id"), total=Sum("amount")).order_by("tender")
    by_tender = tuple(TenderLine(r["tender"], int(r["n"]), int(r["total"] or 0)) for r in rows)
    reversed_ = payments.filter(status=Payment.Status.REVERSED).aggregate(
        n=Count("id"), total=Sum("amount")
    )
    handovers = Handover.objects.filter(
        company_id=shift.company_id, shift=shift, status=Handover.Status.CONFIRMED
    ).aggregate(n=Count("id"), total=Sum("amount"))
    return ShiftTotals(
        by_tender=by_tender,
        payments_count=sum(t.count for t in by_tender),
        payments_total=sum(t.total for t in by_tender),
        reversals_count=int(reversed_["n"] or 0),
        reversals_total=int(reversed_["total"] or 0),
        handovers_count=int(handovers["n"] or 0),
        handovers_total=int(handovers["total"] or 0),
    )


def shift_handovers(*, shift: Shift) -> QuerySet[Handover]:
    return Handover.objects.filter(company_id=shift.company_id, shift=shift).order_by("-pk")


def shift_with_people(*, pk: int) -> Shift | None:
    """A shift with its cashier, center and approver, for its Z report."""
    return (
        Shift.objects.filter(pk=pk)
        .select_related("cashier", "center", "approved_by", "company")
        .first()
    )


def expected_cash_of(*, shifts: list[Shift]) -> dict[int, int]:
    """`shift_expected_cash` for many shifts in one query: the balance of each drawer account."""
    if not shifts:
        return {}
    codes = {chart.cash_shift(s.pk): s.pk for s in shifts}
    rows = (
        Posting.objects.filter(
            company_id__in={s.company_id for s in shifts}, ledger_account__code__in=codes
        )
        .values("ledger_account__code")
        .annotate(total=Sum("amount"))
    )
    balances = {pk: 0 for pk in codes.values()}
    for row in rows:
        balances[codes[row["ledger_account__code"]]] = int(row["total"] or 0)
    return balances


def center_shifts(*, center: Any, status: str) -> list[Shift]:
    return list(
        Shift.objects.filter(company_id=center.company_id, center=center, status=status)
        .select_related("cashier")
        .order_by("opened_at", "pk")
    )


def center_pending_handovers(*, center: Any) -> list[Handover]:
    return list(
        Handover.objects.filter(
            company_id=center.company_id, shift__center=center, status=Handover.Status.PENDING
        )
        .select_related("shift__cashier")
        .order_by("created_at", "pk")
    )


def center_undeposited_shifts(*, center: Any) -> QuerySet[Shift]:
    """Closed (or approved) shifts whose counted cash is still in the vault."""
    return (
        Shift.objects.filter(
            company_id=center.company_id,
            center=center,
            status__in=(Shift.Status.CLOSED, Shift.Status.APPROVED),
            deposit__isnull=True,
            counted__gt=0,
        )
        .select_related("cashier")
        .order_by("closed_at", "pk")
    )


def center_deposits(*, center: Any, limit: int = 10) -> list[Deposit]:
    return list(
        Deposit.objects.filter(company_id=center.company_id, center=center)
        .select_related("prepared_by")
        .annotate(shift_count=Count("shifts"))
        .order_by("-created_at", "-pk")[:limit]
    )


def _today_bounds() -> tuple[dt.datetime, dt.datetime]:
    start = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    return start, start + dt.timedelta(days=1)


def center_reversals_today(*, center: Any) -> list[Payment]:
    """Payments collected at the center and reversed since local midnight."""
    start, end = _today_bounds()
    return list(
        Payment.objects.filter(
            Q(reversed_at__gte=start) & Q(reversed_at__lt=end),
            collector_id=center.company_id,
            center=center,
            status=Payment.Status.REVERSED,
        )
        .select_related("company", "cashier", "reversal_approved_by")
        .order_by("-reversed_at")
    )
