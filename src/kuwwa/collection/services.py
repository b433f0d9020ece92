"""`payment_create` and `payment_reverse`: the single window's money path.

Any center of any company, or any partner channel, may collect for an account of any company.
Each payment is applied exactly once (idempotency on collecting company + channel + client
reference), allocated to the named bill or else the oldest open bills first, the rest to the
subscriber's credit, and posted to the ledger of both companies in the same transaction.

Lock order, always: account → its open bills (by id) → receipt counter of the center → audit
chain head. Two payments of one account therefore queue on the account row and can never
over-allocate a bill.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kuwwa.accounts.models import Account
from kuwwa.accounts.numbers import parse_account_number
from kuwwa.billing.models import Bill
from kuwwa.cashiering.errors import NoOpenShift
from kuwwa.cashiering.models import Shift
from kuwwa.cashiering.services import shift_lock_for_payment
from kuwwa.collection.errors import (
    AmountNotAllowed,
    IdempotencyKeyReused,
    ReversalRefused,
    payment_refusal,
)
from kuwwa.collection.models import Allocation, Channel, Payment, Receipt, Tender
from kuwwa.collection.receipts import (
    payment_audit_stream,
    receipt_canonical,
    receipt_number_next,
    receipt_sign,
    receipt_sms_text,
)
from kuwwa.collection.sqlpath import payment_post_sql, sql_path_enabled
from kuwwa.core.audit import audit_record
from kuwwa.core.clock import business_date
from kuwwa.core.errors import (
    ApplicationError,
    PermissionDenied,
    ValidationFailed,
)
from kuwwa.core.metrics import PAYMENTS, REFUSALS
from kuwwa.core.money import MAX_MINOR
from kuwwa.core.sms import sms_queue
from kuwwa.ledger import chart
from kuwwa.ledger.models import JournalEntry
from kuwwa.ledger.services import EntrySpec, Line, journal_post_many, journal_reverse
from kuwwa.organizations.models import CollectionCenter, Company, Partner
from kuwwa.organizations.roles import Role
from kuwwa.organizations.scopes import scope_of
from kuwwa.settlement.selectors import day_is_settled

OPEN_STATES = (Bill.Status.OPEN, Bill.Status.PARTLY_PAID)
_CHANNELS = frozenset(Channel.values)
_TENDERS = frozenset(Tender.values)


class ReversalReason:
    CHOICES = (
        ("wrong_account", _("paid to the wrong account")),
        ("wrong_amount", _("wrong amount entered")),
        ("duplicate", _("duplicate payment")),
        ("customer_request", _("customer's request before leaving the counter")),
        ("other", _("other")),
    )
    VALUES = frozenset(code for code, _label in CHOICES)


@dataclass(frozen=True)
class PaymentRequest:
    account_number: str
    amount: int
    center: CollectionCenter
    client_reference: str
    channel: str = Channel.COUNTER
    tender: str = Tender.CASH
    bill_number: str | None = None
    to_credit: bool = False
    shift_id: int | None = None
    partner: Partner | None = None

    def payment_fields(self, actor: Any) -> dict[str, Any]:
        """The Payment fields that come from the request itself (both write paths)."""
        return {
            "amount": self.amount,
            "channel": self.channel,
            "tender": self.tender,
            "collector": self.center.company,
            "center": self.center,
            "partner": self.partner,
            "shift_id": self.shift_id,
            "cashier_id": actor.pk if getattr(actor, "pk", None) else None,
            "client_reference": self.client_reference.strip(),
        }

    def receipt_fields(self, fingerprint: str) -> dict[str, Any]:
        """The Receipt fields that come from the request itself (both write paths)."""
        return {
            "company": self.center.company,
            "center": self.center,
            "channel": self.channel,
            "client_reference": self.client_reference.strip(),
            "request_hash": fingerprint,
            "amount": self.amount,
        }

    def fingerprint(self, account_number: str) -> str:
        """What makes two requests 'the same payment' for idempotency."""
        content = {
            "account": account_number,
            "amount": self.amount,
            "bill": self.bill_number or "",
            "to_credit": self.to_credit,
            "tender": self.tender,
            "center": self.center.pk,
        }
        return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


@dataclass(frozen=True)
class PaymentResult:
    payment: Payment
    receipt: Receipt
    replayed: bool  # True: the same request had been applied before; nothing new happened
    # (bill number, amount) of a new payment, oldest bill first; None for a replay (read them)
    allocations: tuple[tuple[str, int], ...] | None = None


def bill_status_after(bill: Bill) -> str:
    if bill.status == Bill.Status.CANCELLED:
        return bill.status
    if bill.paid >= bill.total + bill.adjusted:
        return Bill.Status.PAID
    return Bill.Status.PARTLY_PAID if bill.paid > 0 else Bill.Status.OPEN


def _check_request(actor: Any, req: PaymentRequest) -> None:
    if isinstance(req.amount, bool) or not isinstance(req.amount, int) or req.amount <= 0:
        raise AmountNotAllowed(_("The amount must be more than zero."))
    if req.amount > MAX_MINOR:
        raise AmountNotAllowed(_("The amount is too large."))
    if req.channel not in _CHANNELS or req.tender not in _TENDERS:
        raise ValidationFailed(_("Unknown channel or tender."))
    reference = req.client_reference.strip()
    if not reference or len(reference) > 64:
        raise ValidationFailed(_("Every payment needs a reference of 1 to 64 characters."))
    if not req.center.is_active:
        raise PermissionDenied(_("This collection center is not active."))
    if req.channel == Channel.COUNTER:
        if req.shift_id is None:
            raise NoOpenShift()
        if req.center.kind != CollectionCenter.Kind.COUNTER:
            raise ValidationFailed(_("Counter payments are taken at a counter center."))
        scope = scope_of(actor)
        if actor is not None and not (
            scope.kind == "center"
            and scope.center_id == req.center.pk
            and scope.has_role(Role.CASHIER, Role.SUPERVISOR)
        ):
            raise PermissionDenied(_("Only a cashier of this center may take payments here."))
    elif req.partner is None or req.center.partner_id != req.partner.pk:
        raise PermissionDenied(_("A partner collects only through its own channel."))


def _replay(receipt: Receipt, fingerprint: str) -> PaymentResult:
    if receipt.request_hash != fingerprint:
        raise IdempotencyKeyReused()
    payment = Payment.objects.get(pk=receipt.payment_id)
    return PaymentResult(payment=payment, receipt=receipt, replayed=True)


def _find_receipt(req: PaymentRequest) -> Receipt | None:
    return Receipt.objects.filter(
        company_id=req.center.company_id,
        channel=req.channel,
        client_reference=req.client_reference.strip(),
    ).first()


def _policy_check(company: Company, amount: int, due: int) -> None:
    """The owning company's rule for partial payments."""
    if company.payment_policy == "exact" and amount != due:
        raise payment_refusal("AMOUNT_EXACT", str(due))
    if company.payment_policy == "minimum":
        least = min(company.payment_minimum, due)
        if amount < least:
            raise payment_refusal("AMOUNT_MINIMUM", str(least))


def _allocate(bills: list[Bill], amount: int) -> list[tuple[Bill, int]]:
    """The named bill first (it is first in the list), then the oldest open bills."""
    left = amount
    parts = []
    for bill in bills:
        if left == 0:
            break
        take = min(bill.outstanding, left)
        if take > 0:
            parts.append((bill, take))
            left -= take
    return parts


def _cash_code(req: PaymentRequest) -> str:
    """Where the money is now: the partner owes it, the drawer holds it, or the bank has it."""
    if req.partner is not None:
        return chart.partner_receivable(req.partner.code)
    if req.tender == Tender.CASH and req.shift_id is not None:
        return chart.cash_shift(req.shift_id)
    return chart.BANK


def _post(
    payment: Payment, req: PaymentRequest, owner: Company, collector: Company, allocated: int
) -> None:
    """Cash of the collector against the owner's receivable (and credit), through
    due-to/due-from when the two companies differ."""
    settle = [Line(chart.RECEIVABLES, -allocated, payment.account_id)] if allocated else []
    if payment.to_credit:
        settle.append(Line(chart.SUBSCRIBER_CREDIT, -payment.to_credit, payment.account_id))
    cash = Line(_cash_code(req), payment.amount)
    if owner.pk == collector.pk:
        books = [(owner.pk, [cash, *settle])]
    else:
        books = [
            (collector.pk, [cash, Line(chart.due_to(owner.code), -payment.amount)]),
            (owner.pk, [Line(chart.due_from(collector.code), payment.amount), *settle]),
        ]
    journal_post_many(
        specs=[
            EntrySpec(
                company_id=company_id,
                kind="payment",
                lines=lines,
                business_date=payment.business_date,
                memo=f"receipt {payment.receipt_number}",
                source_type="payment",
                source_id=payment.pk,
            )
            for company_id, lines in books
        ],
        actor=payment.cashier,
    )


def _create(
    actor: Any, req: PaymentRequest, account_number: str, fingerprint: str
) -> PaymentResult:
    account = (
        Account.objects.select_for_update(of=("self",))
        .select_related("company")
        .filter(number=account_number)
        .first()
    )
    if account is None:
        raise payment_refusal("ACCOUNT_NOT_FOUND")
    if account.status == Account.Status.CLOSED:
        raise payment_refusal("ACCOUNT_CLOSED")
    owner = account.company
    open_bills = list(
        Bill.objects.select_for_update(of=("self",))
        .filter(account=account, status__in=OPEN_STATES, total__gt=0)
        .order_by("cycle__period_start", "pk")
    )
    oldest_first = open_bills
    named: Bill | None = None
    if req.bill_number:
        named = Bill.objects.filter(account=account, number=req.bill_number.strip()).first()
        if named is None:
            raise payment_refusal("BILL_NOT_FOUND")
        if named.status == Bill.Status.CANCELLED:
            raise payment_refusal("BILL_CANCELLED")
        if named.status == Bill.Status.PAID and not req.to_credit:
            raise payment_refusal("BILL_ALREADY_PAID")
    if req.to_credit:
        parts: list[tuple[Bill, int]] = []
    else:
        if named is not None:
            open_bills = [b for b in open_bills if b.pk == named.pk] + [
                b for b in open_bills if b.pk != named.pk
            ]
            due = next((b.outstanding for b in open_bills if b.pk == named.pk), 0)
        else:
            due = sum(b.outstanding for b in open_bills)
        if due == 0:
            raise payment_refusal("NOTHING_DUE")
        _policy_check(owner, req.amount, due)
        parts = _allocate(open_bills, req.amount)
    allocated = sum(amount for _bill, amount in parts)
    if req.channel == Channel.COUNTER:
        shift_lock_for_payment(shift_id=req.shift_id, cashier=actor, center_id=req.center.pk)
    now = timezone.now()
    day = business_date(now)
    collector = req.center.company
    number, seq = receipt_number_next(center=req.center, company_code=collector.code, on=now.date())
    payment = Payment.objects.create(
        **req.payment_fields(actor),
        company=owner,
        account=account,
        to_credit=req.amount - allocated,
        receipt_number=number,
        business_date=day,
        received_at=now,
    )
    Allocation.objects.bulk_create(
        [
            Allocation(company=owner, payment=payment, bill=bill, amount=amount)
            for bill, amount in parts
        ]
    )
    for bill, amount in parts:
        bill.paid += amount
        bill.status = bill_status_after(bill)
        bill.save(update_fields=["paid", "status"])
    canonical = receipt_canonical(
        number=number,
        account_number=account.number,
        amount=req.amount,
        issued_at=now,
        owner_code=owner.code,
    )
    receipt = Receipt.objects.create(
        **req.receipt_fields(fingerprint),
        number=number,
        year=now.year,
        seq=seq,
        owner_company_id=owner.pk,
        payment_id=payment.pk,
        account_number=account.number,
        issued_at=now,
        signature=receipt_sign(canonical),
    )
    _post(payment, req, owner, collector, allocated)
    audit_record(
        company=owner,
        stream=payment_audit_stream(company_code=collector.code, center_code=req.center.code),
        actor=actor,
        action="payment.create",
        obj=payment,
        data={
            "account": account.number,
            "amount": req.amount,
            "allocated": {b.number: a for b, a in parts},
            "to_credit": payment.to_credit,
            "receipt": number,
            "collector": collector.code,
            "channel": req.channel,
            "reference": payment.client_reference,
        },
    )
    if account.phone:
        text = receipt_sms_text(amount=req.amount, account_number=account.number, receipt=number)
        sms_queue(company_id=owner.pk, phone=account.phone, text=text)
    order = {bill.pk: index for index, bill in enumerate(oldest_first)}
    allocations = tuple(
        (bill.number, amount) for bill, amount in sorted(parts, key=lambda p: order[p[0].pk])
    )
    return PaymentResult(payment=payment, receipt=receipt, replayed=False, allocations=allocations)


def _create_sql(
    actor: Any, req: PaymentRequest, account_number: str, fingerprint: str
) -> PaymentResult:
    """`_create` on PostgreSQL, as one call of kuwwa_payment_post (ADR 0008)."""
    posted = payment_post_sql(
        actor=actor,
        req=req,
        account_number=account_number,
        fingerprint=fingerprint,
        cash_code=_cash_code(req),
    )
    if posted.replay_receipt_id is not None:
        return _replay(Receipt.objects.get(pk=posted.replay_receipt_id), fingerprint)
    assert posted.payment is not None and posted.receipt is not None
    return PaymentResult(
        payment=posted.payment,
        receipt=posted.receipt,
        replayed=False,
        allocations=posted.allocations,
    )


def payment_create(*, actor: Any, request: PaymentRequest) -> PaymentResult:
    """Take a payment exactly once; the same request again returns the first result."""
    try:
        result = _payment_create(actor, request)
    except ApplicationError as exc:
        REFUSALS.labels(exc.code).inc()
        raise
    PAYMENTS.labels(request.channel, "replayed" if result.replayed else "created").inc()
    return result


def _payment_create(actor: Any, request: PaymentRequest) -> PaymentResult:
    _check_request(actor, request)
    account_number = parse_account_number(request.account_number).compact
    fingerprint = request.fingerprint(account_number)
    sql = sql_path_enabled()
    if not sql:  # the SQL path looks the reference up itself, in the same round trip
        existing = _find_receipt(request)
        if existing is not None:
            return _replay(existing, fingerprint)
    try:
        if sql and not transaction.get_connection().in_atomic_block:
            return _create_sql(actor, request, account_number, fingerprint)  # one statement
        # In a caller's transaction the block is a savepoint: a refusal leaves it usable.
        with transaction.atomic():
            if sql:
                return _create_sql(actor, request, account_number, fingerprint)
            return _create(actor, request, account_number, fingerprint)
    except IntegrityError:
        # A concurrent request with the same reference won the race: answer as it did.
        existing = _find_receipt(request)
        if existing is None:
            raise
        return _replay(existing, fingerprint)


def _check_approver(actor: Any, approver: Any, payment: Payment) -> None:
    if approver is None or not getattr(approver, "pk", None):
        raise PermissionDenied(_("A supervisor must approve the reversal."))
    if actor is not None and getattr(actor, "pk", None) == approver.pk:
        raise PermissionDenied(_("The person who asks for a reversal cannot approve it."))
    scope = scope_of(approver)
    at_center = scope.kind == "center" and scope.center_id == payment.center_id
    in_company = scope.kind == "company" and scope.company_id == payment.collector_id
    if not (
        (at_center and scope.has_role(Role.SUPERVISOR))
        or (in_company and scope.has_role(Role.COMPANY_ADMIN))
        or scope.has_role(Role.ESTABLISHMENT_ADMIN)
    ):
        raise PermissionDenied(_("Only a supervisor of the collecting center may approve this."))


@transaction.atomic
def payment_reverse(
    *, actor: Any, payment: Payment, reason: str, approver: Any, note: str = ""
) -> Payment:
    """Undo a payment before its business day is settled: bills, ledger and receipt."""
    if reason not in ReversalReason.VALUES:
        raise ValidationFailed(_("Choose the reason for the reversal."))
    _check_approver(actor, approver, payment)
    Account.objects.select_for_update().filter(pk=payment.account_id).first()
    locked = Payment.objects.select_for_update().get(pk=payment.pk)
    if locked.status != Payment.Status.POSTED:
        raise ReversalRefused(_("This payment has already been reversed."))
    if locked.shift_id is not None:
        shift = Shift.objects.select_for_update().filter(pk=locked.shift_id).first()
        if shift is None or shift.status != Shift.Status.OPEN:
            raise ReversalRefused(
                _("The cashier's shift is closed: the money has left the drawer; make a refund.")
            )
    if day_is_settled(locked.business_date):
        raise ReversalRefused(
            _("The business day has been settled: correct it with a refund or an adjustment.")
        )
    allocations = list(locked.allocations.order_by("bill_id"))
    bills = {
        b.pk: b
        for b in Bill.objects.select_for_update()
        .filter(pk__in=[a.bill_id for a in allocations])
        .order_by("pk")
    }
    for allocation in allocations:
        bill = bills[allocation.bill_id]
        bill.paid -= allocation.amount
        bill.status = bill_status_after(bill)
        bill.save(update_fields=["paid", "status"])
    for entry in JournalEntry.objects.filter(
        source_type="payment", source_id=locked.pk, reverses__isnull=True, kind="payment"
    ).order_by("pk"):
        journal_reverse(
            entry=entry,
            kind="payment_reversal",
            memo=f"reversal of {locked.receipt_number}",
            actor=actor,
        )
    Receipt.objects.filter(company_id=locked.collector_id, number=locked.receipt_number).update(
        status=Receipt.Status.REVERSED
    )
    locked.status = Payment.Status.REVERSED
    locked.reversal_reason = reason
    locked.reversal_note = note[:300]
    locked.reversed_by = actor if getattr(actor, "pk", None) else None
    locked.reversal_approved_by = approver
    locked.reversed_at = timezone.now()
    locked.save(
        update_fields=[
            "status",
            "reversal_reason",
            "reversal_note",
            "reversed_by",
            "reversal_approved_by",
            "reversed_at",
        ]
    )
    audit_record(
        company=locked.company_id,
        actor=actor,
        action="payment.reverse",
        obj=locked,
        data={
            "receipt": locked.receipt_number,
            "amount": locked.amount,
            "reason": reason,
            "approver": approver.get_username(),
        },
    )
    return locked
