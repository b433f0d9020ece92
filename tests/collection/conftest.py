"""Collection fixtures: billed accounts of several companies, a cashier, a supervisor."""

from __future__ import annotations

import itertools

import pytest

from kuwwa.collection.services import PaymentRequest
from kuwwa.organizations.roles import Role
from tests.conftest import bill_cycles

_refs = itertools.count(1)


@pytest.fixture
def billed_account(make_account):
    """An account of a company with one open bill per listed consumption (oldest first)."""

    def make(company_code: str = "03", kwh: tuple[int, ...] = (450,)):
        account = make_account(company_code)
        return bill_cycles(account, kwh)

    return make


@pytest.fixture
def cashier(make_user):
    return make_user(Role.CASHIER, "01", "0001", username="cashier01")


@pytest.fixture
def supervisor(make_user):
    return make_user(Role.SUPERVISOR, "01", "0001", username="supervisor01")


@pytest.fixture
def cashier_shift(cashier):
    from kuwwa.cashiering.services import shift_open

    return shift_open(actor=cashier, opening_float=0)


@pytest.fixture
def counter_request(center, cashier_shift):
    def make(account, amount: int, **kw) -> PaymentRequest:
        kw.setdefault("client_reference", f"ref-{next(_refs)}")
        kw.setdefault("shift_id", cashier_shift.pk)
        return PaymentRequest(
            account_number=account.number, amount=amount, center=center("01"), **kw
        )

    return make
