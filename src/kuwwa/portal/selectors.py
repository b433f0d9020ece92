"""What the portal pages show, from the single-window inquiry, cut to what a visitor may see.

Unverified visitors get `PublicFacts`: the owning company (which the number itself names) and
the amount due now. Everything else needs a verification (docs/portal.md explains why).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from kuwwa.accounts.models import Account
from kuwwa.accounts.selectors import mask_name
from kuwwa.billing.cycles import cycle_for_reading
from kuwwa.billing.models import Bill, BillingCycle
from kuwwa.collection.inquiry import AccountSummary, account_summary
from kuwwa.collection.models import Receipt
from kuwwa.portal.access import Access


@dataclass(frozen=True)
class PublicFacts:
    number: str
    company_name: str
    due_now: int
    closed: bool


def public_facts(*, account: Account) -> PublicFacts:
    summary = account_summary(user=None, account=account, history=0)
    return PublicFacts(
        number=account.number,
        company_name=account.company.name,
        due_now=summary.due_now,
        closed=account.status == Account.Status.CLOSED,
    )


@dataclass(frozen=True)
class AccountView:
    summary: AccountSummary
    holder: str
    category: str
    status: str
    access: Access


def account_view(*, account: Account, access: Access) -> AccountView:
    """The verified page: the holder's name in full only for strong access."""
    summary = account_summary(user=None, account=account)
    return AccountView(
        summary=summary,
        holder=account.holder_name if access.strong else mask_name(account.holder_name),
        category=account.get_category_display(),
        status=account.get_status_display(),
        access=access,
    )


def bill_of(*, account: Account, number: str) -> Bill | None:
    return (
        Bill.objects.filter(company_id=account.company_id, account=account, number=number)
        .exclude(status=Bill.Status.CANCELLED)
        .first()
    )


def receipt_of(*, account: Account, number: str) -> Receipt | None:
    """A receipt of this account (whoever collected it); None for anybody else's."""
    return Receipt.objects.filter(
        company__code=number[:2], number=number, account_number=account.number
    ).first()


@dataclass(frozen=True)
class ReadingWindow:
    cycle: BillingCycle | None  # open for readings today
    upcoming: BillingCycle | None  # the next window, when none is open


def reading_window(*, account: Account, today: dt.date | None = None) -> ReadingWindow:
    today = today or timezone.localdate()
    current = cycle_for_reading(company_id=account.company_id, on=today)
    upcoming = None
    if current is None:
        upcoming = (
            BillingCycle.objects.filter(
                company_id=account.company_id,
                reading_window_start__gt=today,
                state__in=[BillingCycle.State.OPEN, BillingCycle.State.READING],
            )
            .order_by("reading_window_start")
            .first()
        )
    return ReadingWindow(cycle=current, upcoming=upcoming)
