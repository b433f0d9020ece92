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
