"""Credit and debit notes: requested with a reason, approved by another person, posted.

The bill is never edited; the approved note moves `Bill.adjusted` and posts receivable
against revenue adjustments, so the sub-ledger still equals the control account.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kuwwa.billing.models import Adjustment, Bill
from kuwwa.core.audit import audit_record
from kuwwa.core.errors import Conflict, PermissionDenied, ValidationFailed
from kuwwa.ledger import chart
from kuwwa.ledger.services import Line, journal_post
from kuwwa.organizations.roles import Role
from kuwwa.organizations.scopes import scope_of


def _require_company_staff(actor: Any, company_id: int, *roles: Role) -> None:
    if actor is None:
        return
    scope = scope_of(actor)
    if not (scope.can_view_company(company_id) and scope.has_role(*roles)):
        raise PermissionDenied(_("Only the company's accountants and administrators may do this."))


@transaction.atomic
def adjustment_request(
    *, actor: Any, bill: Bill, kind: str, amount: int, reason: str, note: str = ""
) -> Adjustment:
    """Ask for a credit or debit note; it changes nothing until approved."""
    _require_company_staff(actor, bill.company_id, Role.ACCOUNTANT, Role.COMPANY_ADMIN)
    if kind not in Adjustment.Kind.values:
        raise ValidationFailed(_("Choose credit note or debit note."))
    if reason not in Adjustment.Reason.values:
        raise ValidationFailed(_("Choose a reason."))
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise ValidationFailed(_("The amount must be more than zero."))
    if bill.status == Bill.Status.CANCELLED:
        raise Conflict(_("The bill is cancelled."))
    adjustment = Adjustment.objects.create(
        company_id=bill.company_id,
        bill=bill,
        kind=kind,
        amount=amount,
        reason=reason,
        note=note[:300],
        requested_by=actor if getattr(actor, "pk", None) else None,
    )
    audit_record(
        company=bill.company_id,
        actor=actor,
        action="adjustment.request",
        obj=adjustment,
        data={"bill": bill.number, "kind": kind, "amount": amount, "reason": reason},
    )
    return adjustment


@transaction.atomic
def adjustment_decide(*, actor: Any, adjustment: Adjustment, approve: bool) -> Adjustment:
    """Approve (and post) or reject a pending note. The requester cannot approve their own."""
    _require_company_staff(actor, adjustment.company_id, Role.COMPANY_ADMIN)
    bill = Bill.objects.select_for_update().get(pk=adjustment.bill_id)
    locked = Adjustment.objects.select_for_update().get(pk=adjustment.pk)
    if locked.state != Adjustment.State.PENDING:
        raise Conflict(_("This adjustment has already been decided."))
    if actor is not None and locked.requested_by_id == getattr(actor, "pk", None):
        raise PermissionDenied(
            _("An adjustment must be approved by someone other than its requester.")
        )
    locked.state = Adjustment.State.APPROVED if approve else Adjustment.State.REJECTED
    locked.approved_by = actor if getattr(actor, "pk", None) else None
    locked.decided_at = timezone.now()
    if approve:
        signed = locked.amount if locked.kind == Adjustment.Kind.DEBIT else -locked.amount
        if signed < 0 and -signed > bill.outstanding:
            raise Conflict(
                _("A credit note cannot exceed what is still due on the bill (%(due)s)."),
                due=bill.outstanding,
            )
        entry = journal_post(
            company_id=bill.company_id,
            kind="adjustment",
            lines=[
                Line(chart.RECEIVABLES, signed, bill.account_id),
                Line(chart.REVENUE_ADJUSTMENTS, -signed),
            ],
            memo=f"{locked.kind} note on bill {bill.number}",
            source_type="adjustment",
            source_id=locked.pk,
            actor=actor,
        )
        locked.entry = entry
        bill.adjusted += signed
        if bill.outstanding == 0 and bill.total + bill.adjusted <= bill.paid:
            bill.status = Bill.Status.PAID
        elif bill.paid > 0:
            bill.status = Bill.Status.PARTLY_PAID
        else:
            bill.status = Bill.Status.OPEN
        bill.save(update_fields=["adjusted", "status"])
    locked.save(update_fields=["state", "approved_by", "decided_at", "entry"])
    audit_record(
        company=bill.company_id,
        actor=actor,
        action="adjustment.approve" if approve else "adjustment.reject",
        obj=locked,
        data={"bill": bill.number, "amount": locked.amount, "kind": locked.kind},
    )
    return locked
