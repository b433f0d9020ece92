"""Partner payments and reversals: the collection service behind an Idempotency-Key.

`partner_payment_create` claims the key, calls `payment_create` through the partner's own
virtual center (client reference = the partner's reference in its namespace), and stores
the response to replay. `partner_payment_reverse` is the partners' reversal path: a partner
has no supervisor, so the rules a supervisor would apply are checked here (its own payment,
the same business day, the day not settled) and the reversal is approved by the system user
`kuwwa-partner-api`, recorded as approver and audited with the partner and key that asked.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from kuwwa.collection.errors import ReversalRefused
from kuwwa.collection.models import Channel, Payment, Tender
from kuwwa.collection.services import PaymentRequest, payment_create, payment_reverse
from kuwwa.core.audit import audit_record
from kuwwa.core.clock import business_date
from kuwwa.core.errors import ApplicationError
from kuwwa.core.services import master_data_save
from kuwwa.organizations.models import ESTABLISHMENT_CODE, Company, User
from kuwwa.organizations.roles import Role, roles_sync
from kuwwa.partners.auth import PartnerContext
from kuwwa.partners.errors import ChannelUnavailable
from kuwwa.partners.idempotency import (
    idempotency_claim,
    idempotency_complete,
    idempotency_release,
    request_hash,
)
from kuwwa.partners.selectors import (
    client_reference,
    payment_for_partner,
    payment_view,
    printable,
)
from kuwwa.partners.webhooks import webhook_enqueue
from kuwwa.settlement.selectors import day_is_settled

SYSTEM_APPROVER = "kuwwa-partner-api"
TENDER_OF_CHANNEL: dict[str, str] = {
    Channel.BANK: Tender.TRANSFER,
    Channel.EWALLET: Tender.WALLET,
    Channel.NETWORK: Tender.CARD,
}


@dataclass(frozen=True)
class PaymentInput:
    account_number: str
    amount: int
    bill_number: str | None = None
    to_credit: bool = False


@dataclass(frozen=True)
class PaymentOutcome:
    status_code: int
    body: dict[str, Any]
    replayed: bool


def partner_payment_create(*, ctx: PartnerContext, key: str, data: PaymentInput) -> PaymentOutcome:
    """Pay once per Idempotency-Key; the same key and body again gets the stored answer."""
    claim = idempotency_claim(
        company_id=ctx.company_id,
        partner=ctx.partner,
        key=key,
        digest=request_hash(asdict(data)),
        nonce=ctx.nonce,
    )
    if claim.replay is not None:
        return PaymentOutcome(status_code=claim.replay[0], body=claim.replay[1], replayed=True)
    try:
        center = ctx.center
        if center is None:
            raise ChannelUnavailable()
        # The payment commits on its own (one statement on PostgreSQL), then the response is
        # stored. A crash in between leaves the claim in flight: a retry after STALE_AFTER
        # takes it over and the payment service, idempotent on the reference, answers with
        # the first payment. Never two payments, and no transaction held across both.
        result = payment_create(
            actor=None,
            request=PaymentRequest(
                account_number=data.account_number,
                amount=data.amount,
                center=center,
                client_reference=client_reference(ctx.partner, key),
                channel=ctx.partner.kind,
                tender=TENDER_OF_CHANNEL.get(ctx.partner.kind, Tender.TRANSFER),
                bill_number=data.bill_number,
                to_credit=data.to_credit,
                partner=ctx.partner,
            ),
        )
        body = payment_view(
            result.payment,
            account_number=result.receipt.account_number,
            allocations=result.allocations,
        )
        idempotency_complete(
            claim=claim, status_code=201, response=body, payment_id=result.payment.pk
        )
    except BaseException:
        idempotency_release(claim=claim)
        raise
    return PaymentOutcome(status_code=201, body=body, replayed=False)


def system_approver() -> User:
    """The user that approves partners' reversals: company scope 00, company administrator
    (which `payment_reverse` accepts for payments collected by 00), no password, no admin
    access. Created on first use, audited like any staff user."""
    user = User.objects.filter(username=SYSTEM_APPROVER).first()
    if user is not None:
        return user
    group = Group.objects.filter(name=Role.COMPANY_ADMIN.value).first()
    if group is None:
        roles_sync()
        group = Group.objects.get(name=Role.COMPANY_ADMIN.value)
    try:
        with transaction.atomic():
            user = User(
                username=SYSTEM_APPROVER,
                first_name="Partner API (system)",
                scope_kind=User.ScopeKind.COMPANY,
                company=Company.objects.get(code=ESTABLISHMENT_CODE),
                is_staff=False,
                is_active=True,
            )
            user.set_unusable_password()
            master_data_save(actor=None, instance=user)
            user.groups.add(group)
    except IntegrityError:  # a concurrent first reversal created it
        return User.objects.get(username=SYSTEM_APPROVER)
    return user


def _check_reversible(payment: Payment) -> None:
    if payment.business_date != business_date():
        raise ReversalRefused(
            _(
                "A partner may reverse a payment only on its business day; after that, ask "
                "Kuwwa for a refund."
            )
        )
    if day_is_settled(payment.business_date):
        raise ReversalRefused(
            _("The business day has been settled: correct it with a refund or an adjustment.")
        )


def partner_payment_reverse(
    *, ctx: PartnerContext, reference: str, reason: str, note: str = ""
) -> Payment:
    """Reverse the partner's own payment the same business day, before settlement.

    Idempotent: a payment already reversed is returned as it is.
    """
    approver = system_approver()  # outside the reversal: its creation has its own audit
    payment = payment_for_partner(partner=ctx.partner, reference=reference)
    if payment.status == Payment.Status.REVERSED:
        return payment
    _check_reversible(payment)
    try:
        with transaction.atomic():
            reversed_payment = payment_reverse(
                actor=None,
                payment=payment,
                reason=reason,
                approver=approver,
                note=printable(f"partner {ctx.partner.code}: {note}", 300),
            )
            audit_record(
                company=reversed_payment.company_id,
                action="partner.payment_reverse",
                obj=reversed_payment,
                data={
                    "partner": ctx.partner.code,
                    "key_id": ctx.key.key_id,
                    "reference": reference,
                    "reason": reason,
                },
            )
            webhook_enqueue(
                partner=ctx.partner,
                event="payment.reversed",
                data=payment_view(reversed_payment),
            )
    except ApplicationError:
        again = payment_for_partner(partner=ctx.partner, reference=reference)
        if again.status == Payment.Status.REVERSED:  # a concurrent request reversed it
            return again
        raise
    return reversed_payment
