"""Single-window inquiry: find an account by what the customer brings, and what it owes.

Found by national account number, by bill number, or by the text of a scanned bill QR code.
Staff outside the owning company see the holder's name masked.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kuwwa.accounts.models import Account
from kuwwa.accounts.numbers import parse_account_number
from kuwwa.accounts.selectors import holder_display
from kuwwa.billing.models import Bill
from kuwwa.billing.qr import bill_qr_parse
from kuwwa.collection.models import Payment
from kuwwa.core.digits import strip_separators, to_latin_digits
from kuwwa.core.errors import AccountNotFound, PermissionDenied
from kuwwa.ledger import chart
from kuwwa.ledger.models import Posting
from kuwwa.organizations.scopes import scope_of

BILL_NUMBER_LENGTH = 15


@dataclass(frozen=True)
class Found:
    account: Account
    bill: Bill | None  # the bill named by a bill number or a scanned QR


@dataclass(frozen=True)
class OpenBill:
    number: str
    cycle: str
    issue_date: dt.date
    due_date: dt.date
    total: int
    outstanding: int
    overdue: bool
    estimated: bool


@dataclass(frozen=True)
class PaymentLine:
    received_at: dt.datetime
    amount: int
    receipt_number: str
    channel: str
    collector_code: str
    status: str


@dataclass(frozen=True)
class ConsumptionPoint:
    cycle: str
    kwh: int
    estimated: bool


@dataclass(frozen=True)
class AccountSummary:
    account: Account
    company_code: str
    company_name: str
    holder: str
    open_bills: tuple[OpenBill, ...]
    outstanding: int
    overdue: int
    credit: int
    payments: tuple[PaymentLine, ...]
    consumption: tuple[ConsumptionPoint, ...]

    @property
    def due_now(self) -> int:
        """What the subscriber should pay today: open bills less credit."""
        return max(self.outstanding - self.credit, 0)


def inquiry_find(*, user: Any, text: str) -> Found:
    """The account (and bill) for a typed account number, bill number or scanned bill QR."""
    if not scope_of(user).can_inquire_any_account():
        raise PermissionDenied()
    raw = (text or "").strip()
    if "*" in raw:
        qr = bill_qr_parse(raw)
        account = Account.objects.select_related("company").filter(number=qr.account_number).first()
        if account is None:
            raise AccountNotFound()
        bill = Bill.objects.filter(account=account, number=qr.bill_number).first()
        return Found(account, bill)
    digits = strip_separators(to_latin_digits(raw))
    if digits.isdigit() and len(digits) == BILL_NUMBER_LENGTH:
        bill = (
            Bill.objects.select_related("account__company")
            .filter(company__code=digits[:2], number=digits)
            .first()
        )
        if bill is None:
            raise AccountNotFound(_("No bill has this number."))
        return Found(bill.account, bill)
    parsed = parse_account_number(raw)
    account = Account.objects.select_related("company").filter(number=parsed.compact).first()
    if account is None:
        raise AccountNotFound()
    return Found(account, None)


def subscriber_credit(*, account: Account) -> int:
    """The subscriber's credit (advance payments and overpayments), in minor units; negative
    when a reversed payment's credit had already been used (the subscriber owes it back)."""
    total = Posting.objects.filter(
        company_id=account.company_id,
        subscriber_id=account.pk,
        ledger_account__code=chart.SUBSCRIBER_CREDIT,
    ).aggregate(total=Sum("amount"))["total"]
    return -int(total or 0)


def account_summary(*, user: Any, account: Account, history: int = 12) -> AccountSummary:
    """Balance (ذمة), open bills, payments (تسديدات) and consumption, for any staff scope."""
    if not scope_of(user).can_inquire_any_account() and user is not None:
        raise PermissionDenied()
    today = timezone.localdate()
    bills = list(
        Bill.objects.filter(account=account, status__in=("open", "partly_paid"), total__gt=0)
        .select_related("cycle")
        .order_by("cycle__period_start", "pk")
    )
    open_bills = tuple(
        OpenBill(
            number=b.number,
            cycle=b.cycle.code,
            issue_date=b.issue_date,
            due_date=b.due_date,
            total=b.total + b.adjusted,
            outstanding=b.outstanding,
            overdue=b.due_date < today,
            estimated=b.estimated,
        )
        for b in bills
    )
    payments = tuple(
        PaymentLine(
            received_at=p.received_at,
            amount=p.amount,
            receipt_number=p.receipt_number,
            channel=p.channel,
            collector_code=p.collector.code,
            status=p.status,
        )
        for p in Payment.objects.filter(company_id=account.company_id, account=account)
        .select_related("collector")
        .order_by("-received_at")[:history]
    )
    consumption = tuple(
        ConsumptionPoint(cycle=c, kwh=k, estimated=e)
        for c, k, e in reversed(
            Bill.objects.filter(account=account)
            .order_by("-cycle__period_start")
            .values_list("cycle__code", "consumption_kwh", "estimated")[:history]
        )
    )
    return AccountSummary(
        account=account,
        company_code=account.company.code,
        company_name=account.company.name,
        holder=holder_display(user=user, account=account)
        if user is not None
        else account.holder_name,
        open_bills=open_bills,
        outstanding=sum(b.outstanding for b in open_bills),
        overdue=sum(b.outstanding for b in open_bills if b.overdue),
        credit=subscriber_credit(account=account),
        payments=payments,
        consumption=consumption,
    )
