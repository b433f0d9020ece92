"""Billing fixtures: an open cycle and readings inside its window."""

from __future__ import annotations

import datetime as dt

import pytest

from kuwwa.billing.cycles import cycle_open
from kuwwa.billing.models import BillingCycle
from kuwwa.organizations.models import Company


@pytest.fixture
def open_cycle(db):
    def make(code: str = "2026-06", company_code: str = "01") -> BillingCycle:
        company = Company.objects.get(code=company_code)
        existing = BillingCycle.objects.filter(company=company, code=code).first()
        return existing or cycle_open(actor=None, company=company, code=code)

    return make


@pytest.fixture
def in_window():
    def day(cycle: BillingCycle) -> dt.date:
        return cycle.reading_window_start + dt.timedelta(days=2)

    return day


@pytest.fixture
def billed_cycle(open_cycle, in_window):
    """A cycle of the account's company with the account's reading in it, billed: history
    for the next cycle's checks and estimates."""
    from kuwwa.billing.readings import reading_submit
    from kuwwa.billing.run import billing_run

    def make(account, code: str, value: int) -> BillingCycle:
        cycle = open_cycle(code, account.company.code)
        reading_submit(
            actor=None, account=account, value=value, read_on=in_window(cycle), source="reader"
        )
        billing_run(actor=None, company=account.company, cycle=cycle)
        return cycle

    return make
