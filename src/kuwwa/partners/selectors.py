"""Reads for the partner API: bill inquiry, a partner's own payments, and their JSON views.

A partner sees any account (it collects for every company, like a counter) but with the
holder's name masked, and only its own payments: every payment read goes through the
partner's namespaced reference.
"""

from __future__ import annotations

import datetime as dt
import functools
import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils import timezone

from kuwwa.accounts.models import Account
from kuwwa.accounts.numbers import company_ids_by_code, parse_account_number
from kuwwa.accounts.selectors import mask_name
from kuwwa.billing.models import Bill, BillingCycle
from kuwwa.collection.models import Channel, Payment, Receipt
from kuwwa.core.errors import AccountNotFound
from kuwwa.core.hotsql import hot_execute
from kuwwa.core.ids import format_account_number
from kuwwa.core.money import currency
from kuwwa.core.rawrows import from_row, select_columns
from kuwwa.ledger import chart
from kuwwa.ledger.models import LedgerAccount, Posting
from kuwwa.organizations.models import ESTABLISHMENT_CODE, Company, Partner
from kuwwa.partners.auth import NonceCheck, NonceCtes
from kuwwa.partners.errors import PaymentNotFound

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


_INQUIRY_SQL = (
    "SELECT a.number, a.status, a.holder_name, "
    "(SELECT COALESCE(SUM(p.amount), 0) FROM {posting} p "
    "JOIN {ledger_account} la ON la.id = p.ledger_account_id "
    "WHERE p.company_id = a.company_id AND p.subscriber_id = a.id AND la.code = %s), "
    "b.number, y.code, b.issue_date, b.due_date, b.total, b.adjusted, b.paid, "
    "{company_columns}{sort_columns} "
    "FROM {account} a JOIN {company} c ON c.id = a.company_id "
    "LEFT JOIN {bill} b ON b.company_id = a.company_id AND b.account_id = a.id "
    "AND b.status IN (%s, %s) AND b.total > 0 "
    "LEFT JOIN {cycle} y ON y.id = b.cycle_id "
    "WHERE a.company_id = %s AND a.number = %s "
    "ORDER BY y.period_start, b.id"
)
_INQUIRY_FIXED = 11  # columns before the company's
# With the request's nonce folded in (NonceCheck.folded, PostgreSQL): one row of the nonce's
# outcome, joined to the inquiry's rows if any, in the same order.
_FOLDED_SQL = (
    "WITH {ctes} SELECT {nonce_column}, {count_column}, q.* FROM (SELECT 1) one "
    "LEFT JOIN LATERAL ({inquiry}) q ON true ORDER BY q.sort_period, q.sort_bill"
)
_SORT_COLUMNS = ", y.period_start AS sort_period, b.id AS sort_bill"


@functools.cache
def _inquiry_sql(sort_columns: str = "") -> str:
    return _INQUIRY_SQL.format(
        sort_columns=sort_columns,
        posting=Posting._meta.db_table,
        ledger_account=LedgerAccount._meta.db_table,
        company_columns=select_columns(Company, "c"),
        account=Account._meta.db_table,
        company=Company._meta.db_table,
        bill=Bill._meta.db_table,
        cycle=BillingCycle._meta.db_table,
    )


@functools.cache
def _folded_sql(ctes: NonceCtes) -> str:
    return _FOLDED_SQL.format(
        ctes=ctes.sql,
        nonce_column=ctes.nonce_column,
        count_column=ctes.count_column,
        inquiry=_inquiry_sql(_SORT_COLUMNS),
    )


def _inquiry_rows(company_id: int, compact: str, nonce: NonceCheck | None) -> list[tuple[Any, ...]]:
    """The account, its credit, one row per open bill and the company's whole row (one
    statement: the inquiry is the partner API's most frequent call), after the request's
    nonce check, which goes into the same statement where it can."""
    params: list[Any] = [chart.SUBSCRIBER_CREDIT, *map(str, OPEN_STATES), company_id, compact]
    rows = nonce.folded(_folded_sql, params) if nonce is not None else None
    if rows is None:
        return hot_execute(_inquiry_sql(), params)
    return [row[:-2] for row in rows if row[0] is not None]  # no account: one row of NULLs


def account_inquiry(*, number: str, nonce: NonceCheck | None = None) -> dict[str, Any]:
    """What a partner shows its customer before paying: owner, masked holder, what is due.
    `nonce`: the request's last checks, to run in the inquiry's statement (PartnerContext)."""
    parsed = parse_account_number(number)
    rows = _inquiry_rows(company_ids_by_code()[parsed.company_code], parsed.compact, nonce)
    if not rows:
        raise AccountNotFound()
    compact, status, holder, credit = rows[0][:4]
    company = from_row(Company, rows[0][_INQUIRY_FIXED:])
    today = timezone.localdate()
    bills = [
        {
            "number": bill_number,
            "cycle": cycle,
            "issue_date": issued.isoformat(),
            "due_date": due_date.isoformat(),
            "total": total + adjusted,
            "outstanding": max(total + adjusted - paid, 0),
            "overdue": due_date < today,
        }
        for (bill_number, cycle, issued, due_date, total, adjusted, paid) in (
            row[4:_INQUIRY_FIXED] for row in rows
        )
        if bill_number is not None
    ]
    due = sum(b["outstanding"] for b in bills)
    rule = amount_rule(company, due)
    return {
        "account_number": compact,
        "account_number_formatted": format_account_number(compact),
        "status": status,
        "payable": status != Account.Status.CLOSED,
        "holder_masked": mask_name(holder),
        "owner_company": company_view(company),
        "currency": currency().code,
        "amount_due": due,
        "credit": -int(credit),
        "open_bills": bills,
        "allowed_amounts": {
            "policy": rule.policy,
            "minimum": rule.minimum,
            "maximum": rule.maximum,
            "to_credit_only": rule.to_credit_only,
        },
    }


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


def payment_allocations(payment: Payment) -> list[tuple[str, int]]:
    """(bill number, amount) of what the payment paid, oldest bill first."""
    return list(
        payment.allocations.filter(company_id=payment.company_id)
        .order_by("bill__cycle__period_start", "bill_id")
        .values_list("bill__number", "amount")
    )


def payment_view(
    payment: Payment,
    *,
    account_number: str | None = None,
    allocations: Sequence[tuple[str, int]] | None = None,
) -> dict[str, Any]:
    """A payment as the partner API shows it (JSON types only: it is also stored to replay).

    A payment just made passes its account number and allocations, which the write returned,
    so answering it reads nothing more.
    """
    if allocations is None:
        allocations = payment_allocations(payment)
    if account_number is None:
        account_number = payment.account.number
    return {
        "reference": partner_reference(payment),
        "status": payment.status,
        "receipt_number": payment.receipt_number,
        "receipt_verify_url": verify_url(payment.receipt_number),
        "account_number": account_number,
        "owner_company": company_view(payment.company),
        "amount": payment.amount,
        "to_credit": payment.to_credit,
        "currency": currency().code,
        "allocations": [{"bill_number": n, "amount": amount} for n, amount in allocations],
        "business_date": payment.business_date.isoformat(),
        "received_at": local_iso(payment.received_at),
        "reversed_at": local_iso(payment.reversed_at),
        "reversal_reason": payment.reversal_reason or None,
    }
