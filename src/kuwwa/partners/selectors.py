"""Reads for the partner API: bill inquiry, a partner's own payments, and their JSON views.

A partner sees any account (it collects for every company, like a counter) but with the
holder's name masked, and only its own payments: every payment read goes through the
partner's namespaced reference.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils import timezone

from kuwwa.accounts.models import Account
from kuwwa.accounts.numbers import parse_account_number
from kuwwa.accounts.selectors import mask_name
from kuwwa.billing.models import Bill
from kuwwa.collection.inquiry import subscriber_credit
from kuwwa.collection.models import Channel, Payment, Receipt
from kuwwa.core.errors import AccountNotFound
from kuwwa.core.ids import format_account_number
from kuwwa.core.money import currency
from kuwwa.organizations.models import ESTABLISHMENT_CODE, CollectionCenter, Company, Partner
from kuwwa.partners.errors import ChannelUnavailable, PaymentNotFound

LOCAL_TZ = zoneinfo.ZoneInfo("Asia/Damascus")
PARTNER_CHANNELS = (Channel.BANK, Channel.EWALLET, Channel.NETWORK)
OPEN_STATES = (Bill.Status.OPEN, Bill.Status.PARTLY_PAID)


def printable(text: str, limit: int) -> str:
    """Free text from a partner without control characters (PostgreSQL refuses NUL)."""
    return "".join(c for c in text if c.isprintable())[:limit]


def client_reference(partner: Partner, reference: str) -> str:
    """The payment's client reference: the partner's own reference in its namespace, so two
    banks may use the same reference without meeting (receipts are unique per channel)."""
    return f"{partner.pk}:{reference}"


def local_iso(moment: dt.datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(LOCAL_TZ).replace(microsecond=0).isoformat()


def company_view(company: Company) -> dict[str, str]:
    return {"code": company.code, "name_ar": company.name_ar, "name_en": company.name_en}


@dataclass(frozen=True)
class AmountRule:
    """What the owning company accepts now (collection.services._policy_check)."""

    policy: str
    minimum: int
    maximum: int | None  # None: no limit; what exceeds the bills becomes credit
    to_credit_only: bool  # nothing due: only a payment to credit (advance) is possible


def amount_rule(company: Company, due: int) -> AmountRule:
    if due <= 0:
        return AmountRule(company.payment_policy, 1, None, True)
    if company.payment_policy == "exact":
        return AmountRule("exact", due, due, False)
    if company.payment_policy == "minimum":
        return AmountRule("minimum", max(min(company.payment_minimum, due), 1), None, False)
    return AmountRule("any", 1, None, False)


def account_inquiry(*, number: str) -> dict[str, Any]:
    """What a partner shows its customer before paying: owner, masked holder, what is due."""
    parsed = parse_account_number(number)
    account = (
        Account.objects.select_related("company")
        .filter(company__code=parsed.company_code, number=parsed.compact)
        .first()
    )
    if account is None:
        raise AccountNotFound()
    today = timezone.localdate()
    bills = list(
        Bill.objects.filter(
            company_id=account.company_id, account=account, status__in=OPEN_STATES, total__gt=0
        )
        .select_related("cycle")
        .order_by("cycle__period_start", "pk")
    )
    due = sum(b.outstanding for b in bills)
    rule = amount_rule(account.company, due)
    payable = account.status != Account.Status.CLOSED
    return {
        "account_number": account.number,
        "account_number_formatted": format_account_number(account.number),
        "status": account.status,
        "payable": payable,
        "holder_masked": mask_name(account.holder_name),
        "owner_company": company_view(account.company),
        "currency": currency().code,
        "amount_due": due,
        "credit": subscriber_credit(account=account),
        "open_bills": [
            {
                "number": b.number,
                "cycle": b.cycle.code,
                "issue_date": b.issue_date.isoformat(),
                "due_date": b.due_date.isoformat(),
                "total": b.total + b.adjusted,
                "outstanding": b.outstanding,
                "overdue": b.due_date < today,
            }
            for b in bills
        ],
        "allowed_amounts": {
            "policy": rule.policy,
            "minimum": rule.minimum,
            "maximum": rule.maximum,
            "to_credit_only": rule.to_credit_only,
        },
    }


def partner_center(partner: Partner) -> CollectionCenter:
    """The partner's virtual collection center (its channel), belonging to the establishment."""
    center = (
        CollectionCenter.objects.select_related("company")
        .filter(
            company__code=ESTABLISHMENT_CODE,
            partner=partner,
            kind=CollectionCenter.Kind.VIRTUAL,
            is_active=True,
        )
        .order_by("code")
        .first()
    )
    if center is None:
        raise ChannelUnavailable()
    return center


def receipts_for_partner(partner: Partner, references: list[str]) -> dict[str, Receipt]:
    """The partner's receipts by its references (unknown references are absent)."""
    by_client = {client_reference(partner, ref): ref for ref in references}
    found: dict[str, Receipt] = {}
    chunk = list(by_client)
    for start in range(0, len(chunk), 500):
        for receipt in Receipt.objects.filter(
            company__code=ESTABLISHMENT_CODE,
            channel__in=PARTNER_CHANNELS,
            client_reference__in=chunk[start : start + 500],
            center__partner=partner,
        ):
            found[by_client[receipt.client_reference]] = receipt
    return found


def payment_for_partner(*, partner: Partner, reference: str) -> Payment:
    """The partner's own payment with this reference; PAYMENT_NOT_FOUND for anyone else's."""
    receipt = receipts_for_partner(partner, [reference]).get(reference)
    payment = None
    if receipt is not None:
        payment = (
            Payment.objects.select_related("company")
            .filter(company_id=receipt.owner_company_id, pk=receipt.payment_id)
            .first()
        )
    if payment is None or payment.partner_id != partner.pk:
        raise PaymentNotFound()
    return payment


def partner_reference(payment: Payment) -> str:
    """The partner's own reference back from the namespaced client reference."""
    return payment.client_reference.split(":", 1)[-1]


def verify_url(receipt_number: str) -> str:
    return f"{settings.KUWWA_PUBLIC_URL}/verify/?number={receipt_number}"


def payment_view(payment: Payment) -> dict[str, Any]:
    """A payment as the partner API shows it (JSON types only: it is also stored to replay)."""
    allocations = (
        payment.allocations.filter(company_id=payment.company_id)
        .select_related("bill")
        .order_by("bill__cycle__period_start", "bill_id")
    )
    return {
        "reference": partner_reference(payment),
        "status": payment.status,
        "receipt_number": payment.receipt_number,
        "receipt_verify_url": verify_url(payment.receipt_number),
        "account_number": payment.account.number,
        "owner_company": company_view(payment.company),
        "amount": payment.amount,
        "to_credit": payment.to_credit,
        "currency": currency().code,
        "allocations": [{"bill_number": a.bill.number, "amount": a.amount} for a in allocations],
        "business_date": payment.business_date.isoformat(),
        "received_at": local_iso(payment.received_at),
        "reversed_at": local_iso(payment.reversed_at),
        "reversal_reason": payment.reversal_reason or None,
    }
