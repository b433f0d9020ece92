"""Shift, handover, blind count, approval and deposit services (tender and deposit control).

Lock order: shift row → audit head. A payment locks account → bills → shift → receipt
counter → audit head, so closing a shift and taking a payment on it serialize on the shift.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kuwwa.cashiering.denominations import count_total
from kuwwa.cashiering.errors import NoOpenShift, ShiftConflict
from kuwwa.cashiering.models import Deposit, Handover, Shift
from kuwwa.collection.errors import payment_refusal
from kuwwa.core.audit import audit_record
from kuwwa.core.errors import PermissionDenied, ValidationFailed
from kuwwa.core.money import MAX_MINOR
from kuwwa.ledger import chart
from kuwwa.ledger.selectors import ledger_balance
from kuwwa.ledger.services import Line, journal_post
from kuwwa.organizations.roles import ROLE_LABELS, Role
from kuwwa.organizations.scopes import scope_of


def _center_staff(user: Any, role: Role) -> Any:
    scope = scope_of(user)
    if scope.kind != "center" or not scope.has_role(role):
        raise PermissionDenied(
            _("Only a %(role)s of a collection center may do this."), role=ROLE_LABELS[role]
        )
    return user.center


def _supervisor_of(user: Any, shift: Shift) -> None:
    scope = scope_of(user)
    if not (
        scope.kind == "center"
        and scope.center_id == shift.center_id
        and scope.has_role(Role.SUPERVISOR)
    ):
        raise PermissionDenied(_("Only a supervisor of this center may do this."))
    if user.pk == shift.cashier_id:
        raise PermissionDenied(_("A cashier cannot approve their own shift or cash."))


def shift_expected_cash(*, shift: Shift) -> int:
    """What should be in the drawer now: the ledger balance of the shift's cash account."""
    return ledger_balance(company_id=shift.company_id, code=chart.cash_shift(shift.pk))


def vault_balance(*, center: Any) -> int:
    """Cash held in the center's vault (handovers and closed shifts, less deposits and floats)."""
    return ledger_balance(company_id=center.company_id, code=chart.vault(center.code))


@transaction.atomic
def shift_open(*, actor: Any, opening_float: int) -> Shift:
    """Open the cashier's shift at their center; the float comes out of the vault."""
    center = _center_staff(actor, Role.CASHIER)
    if isinstance(opening_float, bool) or not isinstance(opening_float, int) or opening_float < 0:
        raise ValidationFailed(_("The opening float must be zero or more."))
    if opening_float > MAX_MINOR:
        raise ValidationFailed(_("The amount is too large."))
    try:
        with transaction.atomic():
            shift = Shift.objects.create(
                company_id=center.company_id,
                center=center,
                cashier=actor,
                opening_float=opening_float,
                opened_at=timezone.now(),
            )
    except IntegrityError as exc:
        raise ShiftConflict(_("You already have an open shift.")) from exc
    if opening_float:
        journal_post(
            company_id=center.company_id,
            kind="shift_float",
            lines=[
                Line(chart.cash_shift(shift.pk), opening_float),
                Line(chart.vault(center.code), -opening_float),
            ],
            memo=f"float of shift {shift.pk}",
            source_type="shift",
            source_id=shift.pk,
            actor=actor,
        )
    audit_record(
        company=center.company_id,
        actor=actor,
        action="shift.open",
        obj=shift,
        data={"float": opening_float},
    )
    return shift


def shift_current(*, cashier: Any) -> Shift | None:
    if not getattr(cashier, "pk", None):
        return None
    return Shift.objects.filter(cashier=cashier, status=Shift.Status.OPEN).first()


def shift_lock_for_payment(*, shift_id: int | None, cashier: Any, center_id: int) -> Shift:
    """The open shift a counter payment goes into, locked; refused when there is none."""
    if shift_id is None:
        raise NoOpenShift()
    shift = Shift.objects.select_for_update().filter(pk=shift_id).first()
    if shift is None or shift.status != Shift.Status.OPEN:
        raise payment_refusal("SHIFT_CLOSED")
    if shift.center_id != center_id or (
        getattr(cashier, "pk", None) and shift.cashier_id != cashier.pk
    ):
        raise payment_refusal("SHIFT_OTHER")
    return shift


@transaction.atomic
def handover_create(*, actor: Any, shift: Shift, count: dict[str, int]) -> Handover:
    """The cashier hands part of the drawer to the supervisor (pending their confirmation)."""
    locked = Shift.objects.select_for_update().get(pk=shift.pk)
    if locked.cashier_id != getattr(actor, "pk", None):
        raise PermissionDenied(_("Only the shift's cashier may hand over its cash."))
    if locked.status != Shift.Status.OPEN:
        raise ShiftConflict(_("The shift is not open."))
    amount = count_total(count)
    if amount <= 0:
        raise ValidationFailed(_("Count the notes being handed over."))
    if amount > shift_expected_cash(shift=locked):
        raise ValidationFailed(_("That is more cash than the drawer should hold."))
    handover = Handover.objects.create(
        company_id=locked.company_id, shift=locked, amount=amount, count=count
    )
    audit_record(
        company=locked.company_id,
        actor=actor,
        action="handover.create",
        obj=handover,
        data={"amount": amount},
    )
    return handover


@transaction.atomic
def handover_confirm(*, actor: Any, handover: Handover) -> Handover:
    """The supervisor confirms receipt: the cash moves from the drawer to the vault."""
    shift = Shift.objects.select_for_update().get(pk=handover.shift_id)
    _supervisor_of(actor, shift)
    locked = Handover.objects.select_for_update().get(pk=handover.pk)
    if locked.status != Handover.Status.PENDING:
        raise ShiftConflict(_("This handover has already been dealt with."))
    journal_post(
        company_id=shift.company_id,
        kind="handover",
        lines=[
            Line(chart.vault(shift.center.code), locked.amount),
            Line(chart.cash_shift(shift.pk), -locked.amount),
        ],
        memo=f"handover {locked.pk} of shift {shift.pk}",
        source_type="handover",
        source_id=locked.pk,
        actor=actor,
    )
    locked.status = Handover.Status.CONFIRMED
    locked.supervisor = actor
    locked.confirmed_at = timezone.now()
    locked.save(update_fields=["status", "supervisor", "confirmed_at"])
    audit_record(
        company=shift.company_id,
        actor=actor,
        action="handover.confirm",
        obj=locked,
        data={"amount": locked.amount},
    )
    return locked


@transaction.atomic
def handover_cancel(*, actor: Any, handover: Handover) -> Handover:
    shift = Shift.objects.select_for_update().get(pk=handover.shift_id)
    if getattr(actor, "pk", None) != shift.cashier_id:
        _supervisor_of(actor, shift)
    locked = Handover.objects.select_for_update().get(pk=handover.pk)
    if locked.status != Handover.Status.PENDING:
        raise ShiftConflict(_("This handover has already been dealt with."))
    locked.status = Handover.Status.CANCELLED
    locked.save(update_fields=["status"])
    audit_record(
        company=shift.company_id, actor=actor, action="handover.cancel", obj=locked, data={}
    )
    return locked


@transaction.atomic
def shift_close(*, actor: Any, shift: Shift, count: dict[str, int]) -> Shift:
    """Blind count: the cashier counts by denomination, then sees expected and over/short.

    The counted cash goes to the vault; the difference is posted to over/short, never hidden.
    """
    locked = Shift.objects.select_for_update().get(pk=shift.pk)
    if locked.cashier_id != getattr(actor, "pk", None):
        raise PermissionDenied(_("Only the shift's cashier may close it."))
    if locked.status != Shift.Status.OPEN:
        raise ShiftConflict(_("The shift is already closed."))
    if locked.handovers.filter(status=Handover.Status.PENDING).exists():
        raise ShiftConflict(
            _("A handover is still awaiting the supervisor: confirm or cancel it first.")
        )
    counted = count_total(count)
    expected = shift_expected_cash(shift=locked)
    difference = counted - expected
    lines = [
        Line(chart.vault(locked.center.code), counted),
        Line(chart.cash_shift(locked.pk), -expected),
        Line(chart.OVER_SHORT, -difference),
    ]
    lines = [line for line in lines if line.amount]
    if lines:
        journal_post(
            company_id=locked.company_id,
            kind="shift_close",
            lines=lines,
            memo=f"close of shift {locked.pk}",
            source_type="shift",
            source_id=locked.pk,
            actor=actor,
        )
    locked.status = Shift.Status.CLOSED
    locked.closed_at = timezone.now()
    locked.count = {str(k): v for k, v in count.items()}
    locked.counted, locked.expected, locked.over_short = counted, expected, difference
    locked.save(update_fields=["status", "closed_at", "count", "counted", "expected", "over_short"])
    audit_record(
        company=locked.company_id,
        actor=actor,
        action="shift.close",
        obj=locked,
        data={"counted": counted, "expected": expected, "over_short": difference},
    )
    return locked


@transaction.atomic
def shift_approve(*, actor: Any, shift: Shift) -> Shift:
    """A supervisor (never the shift's own cashier) approves the count and its over/short."""
    locked = Shift.objects.select_for_update().get(pk=shift.pk)
    _supervisor_of(actor, locked)
    if locked.status != Shift.Status.CLOSED:
        raise ShiftConflict(_("Only a closed shift can be approved."))
    locked.status = Shift.Status.APPROVED
    locked.approved_by = actor
    locked.approved_at = timezone.now()
    locked.save(update_fields=["status", "approved_by", "approved_at"])
    audit_record(
        company=locked.company_id,
        actor=actor,
        action="shift.approve",
        obj=locked,
        data={"over_short": locked.over_short},
    )
    return locked


@transaction.atomic
def deposit_create(
    *, actor: Any, shifts: list[Shift], slip_number: str, bank_name: str = ""
) -> Deposit:
    """Take the counted cash of closed shifts from the vault to the bank."""
    center = _center_staff(actor, Role.SUPERVISOR)
    slip = slip_number.strip()
    if not slip:
        raise ValidationFailed(_("Enter the bank slip number."))
    locked = list(
        Shift.objects.select_for_update().filter(pk__in=[s.pk for s in shifts]).order_by("pk")
    )
    if not locked:
        raise ValidationFailed(_("Choose the shifts whose cash is deposited."))
    for shift in locked:
        if shift.center_id != center.pk:
            raise PermissionDenied(_("Only shifts of your center can be deposited."))
        if shift.status == Shift.Status.OPEN or shift.deposit_id is not None:
            raise ShiftConflict(_("Shift %(id)s is still open or already deposited."), id=shift.pk)
    amount = sum(s.counted or 0 for s in locked)
    if amount <= 0:
        raise ValidationFailed(_("There is no cash to deposit."))
    try:
        with transaction.atomic():
            deposit = Deposit.objects.create(
                company_id=center.company_id,
                center=center,
                slip_number=slip,
                bank_name=bank_name.strip()[:100],
                amount=amount,
                prepared_by=actor,
            )
    except IntegrityError as exc:
        raise ShiftConflict(_("This slip number has already been used.")) from exc
    Shift.objects.filter(pk__in=[s.pk for s in locked]).update(deposit=deposit)
    journal_post(
        company_id=center.company_id,
        kind="deposit",
        lines=[Line(chart.BANK, amount), Line(chart.vault(center.code), -amount)],
        memo=f"deposit slip {slip}",
        source_type="deposit",
        source_id=deposit.pk,
        actor=actor,
    )
    audit_record(
        company=center.company_id,
        actor=actor,
        action="deposit.create",
        obj=deposit,
        data={"slip": slip, "amount": amount, "shifts": [s.pk for s in locked]},
    )
    return deposit
