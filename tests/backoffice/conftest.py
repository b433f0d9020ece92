"""A small national day of activity through the real services: billed accounts of companies
01 and 03, cashiers of both collecting for both, a reversal, an approved credit note, citizen
readings, closed shifts with over/short, and complaints."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone
from tests.collection.conftest import billed_account  # noqa: F401

from kuwwa.accounts.models import Account
from kuwwa.billing.adjustments import adjustment_decide, adjustment_request
from kuwwa.billing.models import Bill, BillingCycle, MeterReading
from kuwwa.cashiering.models import Shift
from kuwwa.cashiering.services import shift_close, shift_open
from kuwwa.collection.models import Payment
from kuwwa.collection.services import PaymentRequest, payment_create, payment_reverse
from kuwwa.organizations.models import CollectionCenter, Company, User
from kuwwa.organizations.roles import Role, roles_sync
from kuwwa.portal.models import Complaint

_refs = itertools.count(1)
# A payment 03 collects for itself, big and odd enough to be recognised in any page.
SECRET_03 = 77_777_700  # 777,777 SYP


@dataclass
class World:
    accounts: dict[str, Account]
    cashiers: dict[str, tuple[User, CollectionCenter, Shift]]
    est_admin: User
    admin01: User
    admin03: User
    supervisor01: User
    payments: list[Payment] = field(default_factory=list)

    def client(self, user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client


def _cashier(code: str, n: int) -> tuple[User, CollectionCenter, Shift]:
    company = Company.objects.get(code=code)
    center, _ = CollectionCenter.objects.get_or_create(
        company=company, code=f"000{n}", defaults={"name_ar": f"مركز {code}-{n}"}
    )
    user = User.objects.create(
        username=f"cashier{code}-{n}",
        first_name="أمين",
        last_name=f"صندوق {code}{n}",
        scope_kind="center",
        company=company,
        center=center,
        is_staff=True,
    )
    user.groups.add(Group.objects.get(name=Role.CASHIER.value))
    return user, center, shift_open(actor=user, opening_float=0)


def pay(world: World, collector: str, owner: str, amount: int, **kw: Any) -> Payment:
    user, center, shift = world.cashiers[collector]
    result = payment_create(
        actor=user,
        request=PaymentRequest(
            account_number=world.accounts[owner].number,
            amount=amount,
            center=center,
            client_reference=f"bo-{next(_refs)}",
            shift_id=shift.pk,
            **kw,
        ),
    )
    world.payments.append(result.payment)
    return result.payment


def _open_bill(account: Account) -> Bill:
    return Bill.objects.filter(account=account, status="open").order_by("pk").first()


@pytest.fixture
def world(db, billed_account, make_user) -> World:  # noqa: F811
    roles_sync()
    accounts = {
        "01": billed_account("01", kwh=(450, 300)),
        "03": billed_account("03", kwh=(600,)),
    }
    world = World(
        accounts=accounts,
        cashiers={"01": _cashier("01", 1), "03": _cashier("03", 1)},
        est_admin=make_user(Role.ESTABLISHMENT_ADMIN, username="est_admin"),
        admin01=make_user(Role.COMPANY_ADMIN, "01", username="admin01"),
        admin03=make_user(Role.COMPANY_ADMIN, "03", username="admin03"),
        supervisor01=make_user(Role.SUPERVISOR, "01", "0001", username="sup01"),
    )
    pay(world, "01", "01", 50_000_00)  # own company, allocated to 01's oldest bill
    pay(world, "01", "03", 12_345_00)  # 01 collects for 03
    pay(world, "03", "01", 2_000_00, to_credit=True)  # 03 collects for 01
    pay(world, "03", "03", SECRET_03, to_credit=True)  # 03 alone: 01 must never see it
    doomed = pay(world, "01", "03", 9_999_00)
    payment_reverse(
        actor=world.cashiers["01"][0],
        payment=doomed,
        reason="duplicate",
        approver=world.supervisor01,
    )
    # An approved credit note on 01's second bill.
    accountant = make_user(Role.ACCOUNTANT, "01", username="acc01")
    bill = _open_bill(accounts["01"])
    note = adjustment_request(
        actor=accountant, bill=bill, kind="credit", amount=1_000_00, reason="wrong_reading"
    )
    adjustment_decide(actor=world.admin01, adjustment=note, approve=True)
    # Citizen readings (submissions) in 01's latest cycle.
    cycle = BillingCycle.objects.filter(company__code="01").order_by("-period_start").first()
    meter = accounts["01"].meters.first()
    for value in (999_001, 999_002):
        MeterReading.objects.create(
            company_id=cycle.company_id,
            account=accounts["01"],
            meter=meter,
            cycle=cycle,
            value=value,
            read_on=cycle.reading_window_start,
            source=MeterReading.Source.CITIZEN,
            status=MeterReading.Status.NEEDS_REVIEW,
        )
    # 03's cashier closes short (by a little more than 500 SYP).
    user03, _center, shift03 = world.cashiers["03"]
    expected_pounds = (2_000_00 + SECRET_03) // 100
    shift_close(
        actor=user03, shift=shift03, count=_count_for((expected_pounds // 50 * 50 - 500) * 100)
    )
    world.cashiers["03"] = (user03, _center, shift_open(actor=user03, opening_float=0))
    # Complaints: one resolved after two days, one open.
    now = timezone.now()
    for n, (company, status, age) in enumerate(
        [("01", "resolved", 2), ("01", "open", None), ("03", "rejected", 10)]
    ):
        c = Complaint.objects.create(
            company=Company.objects.get(code=company),
            account=accounts[company],
            reference=f"CT-{n}",
            subject="bill",
            reason="wrong_amount",
            status=status,
            resolved_at=now if age is not None else None,
        )
        if age is not None:
            Complaint.objects.filter(pk=c.pk).update(created_at=now - dt.timedelta(days=age))
    return world


def _count_for(amount_minor: int) -> dict[str, int]:
    """Notes (major units) adding up to `amount_minor`, largest first."""
    pounds = amount_minor // 100
    count: dict[str, int] = {}
    for note in (5000, 2000, 1000, 500, 200, 100, 50):
        if pounds >= note:
            count[str(note)], pounds = divmod(pounds, note)
    assert pounds == 0
    return count
