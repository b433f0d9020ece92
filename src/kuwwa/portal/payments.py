"""Online payment: a session handed to a partner's hosted page, completed by its signed answer.

The session's reference is the payment's client reference and the session row is locked
while it completes, so a double callback or a refresh never pays twice: the second answer
finds the session paid and returns it. A bank that confirms money it took is always honoured
(even after the citizen pressed "back" and the session was cancelled); if nothing is due any
more, the money goes to the account's credit.
"""

from __future__ import annotations

import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kuwwa.accounts.models import Account
from kuwwa.billing.models import Bill
from kuwwa.collection.errors import (
    AmountNotAllowed,
    BillAlreadyPaid,
    BillNotFound,
    NothingDue,
)
from kuwwa.collection.inquiry import account_summary
from kuwwa.collection.models import Channel, Tender
from kuwwa.collection.services import PaymentRequest, PaymentResult, payment_create
from kuwwa.core.audit import audit_record
from kuwwa.core.errors import NotFound, PermissionDenied, ValidationFailed
from kuwwa.core.money import MAX_MINOR, format_amount
from kuwwa.portal.models import PaymentSession
from kuwwa.portal.partners import partner_channel, partner_config

Status = PaymentSession.Status
OPEN_STATES = (Bill.Status.OPEN, Bill.Status.PARTLY_PAID)


def _policy_check(account: Account, amount: int, due: int) -> None:
    """The owning company's rule on partial payments, checked before sending anyone away."""
    company = account.company
    if company.payment_policy == "exact" and amount != due:
        raise AmountNotAllowed(
            _("This company accepts only the exact amount due: %(due)s."), due=format_amount(due)
        )
    if company.payment_policy == "minimum" and amount < min(company.payment_minimum, due):
        raise AmountNotAllowed(
            _("This company accepts at least %(least)s per payment."),
            least=format_amount(min(company.payment_minimum, due)),
        )


def _bills_total(account: Account, numbers: list[str]) -> int:
    bills = list(
        Bill.objects.filter(
            company_id=account.company_id, account=account, number__in=numbers
        ).filter(status__in=OPEN_STATES)
    )
    if len(bills) != len(set(numbers)):
        raise BillNotFound(_("A chosen bill is not open on this account."))
    return sum(b.outstanding for b in bills)


@transaction.atomic
def pay_session_start(
    *, account: Account, partner_code: str, bill_numbers: list[str], amount: int | None
) -> PaymentSession:
    """Chosen bills (their outstanding) or a typed amount; refused when nothing can be paid."""
    if account.status == Account.Status.CLOSED:
        raise ValidationFailed(_("The account is closed."))
    if partner_config(partner_code) is None or partner_channel(partner_code) is None:
        raise ValidationFailed(_("Online payment is not available at the moment."))
    due = account_summary(user=None, account=account, history=0).due_now
    if bill_numbers:
        amount = _bills_total(account, bill_numbers)
    if amount is None or amount <= 0:
        raise AmountNotAllowed(_("Choose the bills to pay or enter an amount."))
    if amount > MAX_MINOR:
        raise AmountNotAllowed(_("The amount is too large."))
    if due > 0:
        _policy_check(account, amount, due)
    session = PaymentSession.objects.create(
        company_id=account.company_id,
        account=account,
        reference=f"P{account.company.code}{secrets.token_hex(8).upper()}",
        partner_code=partner_code,
        amount=amount,
        bill_numbers=sorted(set(bill_numbers)),
    )
    audit_record(
        company=account.company_id,
        action="portal.payment.start",
        obj=session,
        data={
            "reference": session.reference,
            "account": account.number,
            "amount": amount,
            "bills": session.bill_numbers,
            "partner": partner_code,
        },
    )
    return session


def pay_session_find(reference: str) -> PaymentSession | None:
    ref = (reference or "").strip().upper()
    if len(ref) < 4 or not ref.startswith("P"):
        return None
    return (
        PaymentSession.objects.select_related("account", "company")
        .filter(company__code=ref[1:3], reference=ref)
        .first()
    )


def _collect(session: PaymentSession) -> PaymentResult:
    channel = partner_channel(session.partner_code)
    if channel is None:
        raise ValidationFailed(_("Online payment is not available at the moment."))
    partner, center = channel

    def request(*, bill: str | None, to_credit: bool) -> PaymentRequest:
        return PaymentRequest(
            account_number=session.account.number,
            amount=session.amount,
            center=center,
            client_reference=session.reference,
            channel=Channel.PORTAL,
            tender=Tender.CARD,
            bill_number=bill,
            to_credit=to_credit,
            partner=partner,
        )

    single = session.bill_numbers[0] if len(session.bill_numbers) == 1 else None
    try:
        return payment_create(actor=None, request=request(bill=single, to_credit=False))
    except (NothingDue, BillAlreadyPaid, BillNotFound, AmountNotAllowed):
        # Paid meanwhile elsewhere, or now above what is due: the bank has the money anyway.
        return payment_create(actor=None, request=request(bill=None, to_credit=True))


@transaction.atomic
def pay_session_complete(
    *, reference: str, partner_code: str, status: str, amount: int, partner_txn: str
) -> PaymentSession:
    """Apply the partner's signed answer once; a repeated answer returns the same session."""
    found = pay_session_find(reference)
    if found is None:
        raise NotFound(_("No online payment has this reference."))
    session = (
        PaymentSession.objects.select_for_update()
        .select_related("account", "company")
        .get(pk=found.pk)
    )
    if session.partner_code != partner_code:
        raise PermissionDenied(_("This payment was started with another partner."))
    if session.status == Status.PAID:
        return session
    if status == "paid":
        if amount != session.amount:
            raise ValidationFailed(_("The amount confirmed by the bank differs from the payment."))
        result = _collect(session)
        session.status = Status.PAID
        session.payment = result.payment
        session.receipt_number = result.receipt.number
    elif status in (Status.CANCELLED, Status.FAILED):
        if session.status != Status.PENDING:
            return session
        session.status = status
    else:
        raise ValidationFailed(_("Unknown payment status."))
    session.partner_txn = partner_txn[:64]
    session.completed_at = timezone.now()
    session.save(
        update_fields=["status", "payment", "receipt_number", "partner_txn", "completed_at"]
    )
    audit_record(
        company=session.company_id,
        action=f"portal.payment.{session.status}",
        obj=session,
        data={
            "reference": session.reference,
            "amount": session.amount,
            "receipt": session.receipt_number,
            "partner_txn": session.partner_txn,
        },
    )
    return session
