"""Shared fixtures: companies are seeded by migrations; users are made per role and scope."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.db import connection

from kuwwa.accounts.models import Account
from kuwwa.accounts.services import account_create, meter_install
from kuwwa.organizations.models import CollectionCenter, Company, User
from kuwwa.organizations.roles import Role, roles_sync


def on_postgres() -> bool:
    return connection.vendor == "postgresql"


@pytest.fixture
def company() -> Callable[[str], Company]:
    def get(code: str) -> Company:
        return Company.objects.get(code=code)

    return get


@pytest.fixture
def center(db: Any, company: Callable[[str], Company]) -> Callable[[str, str], CollectionCenter]:
    def make(company_code: str, code: str = "0001") -> CollectionCenter:
        obj, _ = CollectionCenter.objects.get_or_create(
            company=company(company_code), code=code, defaults={"name_ar": f"مركز {code}"}
        )
        return obj

    return make


@pytest.fixture
def make_user(db: Any, company: Callable[[str], Company], center: Any) -> Callable[..., User]:
    roles_sync()

    def make(
        role: Role | None,
        company_code: str | None = None,
        center_code: str | None = None,
        username: str | None = None,
    ) -> User:
        comp = company(company_code) if company_code else None
        cent = center(company_code, center_code) if center_code and company_code else None
        kind = "center" if cent else ("company" if comp else "establishment")
        name = (
            username
            or f"{role.value if role else 'super'}_{company_code or '00'}_{center_code or ''}"
        )
        user = User.objects.create_user(
            username=name,
            password="pw-for-tests-123",
            scope_kind=kind,
            company=comp,
            center=cent,
            is_staff=True,
            is_superuser=role is None,
        )
        if role is not None:
            user.groups.add(Group.objects.get(name=role.value))
        return user

    return make


@pytest.fixture
def make_account(db: Any, company: Callable[[str], Company]) -> Callable[..., Account]:
    serials = iter(range(10_000, 99_999))

    def make(company_code: str = "01", holder_name: str = "محمد علي الأحمد", **kw: Any) -> Account:
        account = account_create(
            actor=None, company=company(company_code), holder_name=holder_name, **kw
        )
        meter_install(
            actor=None,
            account=account,
            serial=f"T{next(serials)}",
            installed_on=dt.date(2020, 1, 1),
        )
        return account

    return make


@pytest.fixture(autouse=True)
def _fresh_ledger_cache() -> None:
    """Transactional tests empty the tables; cached ledger account ids must not survive that."""
    from kuwwa.ledger.services import ledger_cache_clear

    ledger_cache_clear()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    """Argon2 is the production hasher; tests create many users and need no key stretching."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def bill_cycles(account: Account, kwh: tuple[int, ...]) -> Account:
    """Bill one two-month cycle per consumption (2026-02, 2026-04, …) for the account."""
    bill_cycles_together([account], kwh)
    return account


def bill_cycles_together(accounts: list[Account], kwh: tuple[int, ...]) -> None:
    """`bill_cycles` for several accounts of one company, billed in the same runs."""
    from kuwwa.billing.cycles import cycle_open
    from kuwwa.billing.models import BillingCycle
    from kuwwa.billing.readings import reading_submit
    from kuwwa.billing.run import billing_run

    company = accounts[0].company
    value = 0
    for n, used in enumerate(kwh):
        code = f"2026-{2 + 2 * n:02d}"
        cycle = BillingCycle.objects.filter(company=company, code=code).first() or cycle_open(
            actor=None, company=company, code=code
        )
        value += used
        for account in accounts:
            reading_submit(
                actor=None,
                account=account,
                value=value,
                read_on=cycle.reading_window_start,
                source="reader",
                cycle=cycle,
            )
        billing_run(actor=None, company=company, cycle=cycle)
