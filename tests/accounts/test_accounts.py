"""Accounts get valid national numbers; meters keep their history; demo data is idempotent."""

from __future__ import annotations

import datetime as dt

import pytest

from kuwwa.accounts.demo import demo_accounts_load, generate
from kuwwa.accounts.models import Account, Meter
from kuwwa.accounts.numbers import parse_account_number
from kuwwa.accounts.services import account_create, meter_install
from kuwwa.core.errors import ValidationFailed
from kuwwa.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_new_accounts_get_consecutive_valid_numbers_of_their_company(company) -> None:
    first = account_create(actor=None, company=company("05"), holder_name="هبة سامر")
    second = account_create(actor=None, company=company("05"), holder_name="رنا سامر")
    assert first.number.startswith("05") and second.number.startswith("05")
    assert (
        parse_account_number(first.number).local_number + 1
        == parse_account_number(second.number).local_number
    )


def test_a_bad_account_changes_nothing(company) -> None:
    before = (Account.objects.count(), AuditEvent.objects.count())
    with pytest.raises(ValidationFailed):
        account_create(actor=None, company=company("05"), holder_name="   ")
    with pytest.raises(ValidationFailed):
        account_create(actor=None, company=company("00"), holder_name="x")
    assert (Account.objects.count(), AuditEvent.objects.count()) == before


def test_replacing_a_meter_keeps_history(make_account) -> None:
    account = make_account("01")
    old = account.meters.get()
    meter_install(
        actor=None, account=account, serial="NEW-1", installed_on=dt.date(2026, 3, 1), digits=7
    )
    old.refresh_from_db()
    assert old.removed_on == dt.date(2026, 3, 1)
    current = Meter.objects.get(account=account, removed_on__isnull=True)
    assert current.serial == "NEW-1" and current.digits == 7
    with pytest.raises(ValidationFailed):
        meter_install(actor=None, account=account, serial="NEW-1", installed_on=dt.date(2026, 4, 1))
    with pytest.raises(ValidationFailed):
        meter_install(actor=None, account=account, serial="NEW-2", installed_on=dt.date(2025, 1, 1))


def test_demo_data_is_deterministic_and_idempotent() -> None:
    assert list(generate(count=50, seed=7)) == list(generate(count=50, seed=7))
    assert list(generate(count=50, seed=7)) != list(generate(count=50, seed=8))
    assert demo_accounts_load(count=300, seed=7) == 300
    snapshot = sorted(Account.objects.values_list("number", "holder_name"))
    assert demo_accounts_load(count=300, seed=7) == 0
    assert sorted(Account.objects.values_list("number", "holder_name")) == snapshot
    assert Meter.objects.count() == 300
    assert demo_accounts_load(count=350, seed=7) == 50
    assert len({a.company_id for a in Account.objects.all()}) == 14
    for number in Account.objects.values_list("number", flat=True)[:100]:
        parse_account_number(number)


def test_accounts_created_after_demo_data_do_not_collide(company) -> None:
    demo_accounts_load(count=100, seed=3)
    account = account_create(actor=None, company=company("03"), holder_name="عمر خالد")
    assert Account.objects.filter(number=account.number).count() == 1
