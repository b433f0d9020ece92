"""Settlement: the gross matrix equals the day's payments less reversals, net positions sum to
zero, the run is idempotent, the ledger stays whole, and a settled day cannot be reversed."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.contrib.auth.models import Group
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from kuwwa.accounts.services import account_create
from kuwwa.cashiering.services import shift_open
from kuwwa.collection.errors import ReversalRefused
from kuwwa.collection.models import Payment
from kuwwa.collection.services import PaymentRequest, payment_create, payment_reverse
from kuwwa.core.clock import business_date
from kuwwa.core.errors import ValidationFailed
from kuwwa.ledger import chart
from kuwwa.ledger.selectors import ledger_balance, ledger_check
from kuwwa.organizations.models import CollectionCenter, Company, User
from kuwwa.organizations.roles import Role, roles_sync
from kuwwa.settlement.models import SettlementPosition
from kuwwa.settlement.services import settlement_confirm_transfer, settlement_run

refs = itertools.count()


def _cashier_at(code: str) -> tuple[User, CollectionCenter, int]:
    company = Company.objects.get(code=code)
    center, _ = CollectionCenter.objects.get_or_create(
        company=company, code="0001", defaults={"name_ar": "مركز"}
    )
    user = User.objects.create(
        username=f"cash{code}-{next(refs)}", scope_kind="center", company=company, center=center
    )
    user.groups.add(Group.objects.get(name=Role.CASHIER.value))
    return user, center, shift_open(actor=user, opening_float=0).pk


def _pay(staff, account, amount):
    user, center, shift_id = staff
    return payment_create(
        actor=user,
        request=PaymentRequest(
            account_number=account.number,
            amount=amount,
            center=center,
            client_reference=f"st-{next(refs)}",
            shift_id=shift_id,
            to_credit=True,
        ),
    )


@pytest.mark.django_db
def test_a_day_of_cross_company_payments_nets_to_one_transfer_each(supervisor):
    roles_sync()
    accounts = {
        c: account_create(actor=None, company=Company.objects.get(code=c), holder_name="س ص")
        for c in ("01", "03", "05")
    }
    staff = {c: _cashier_at(c) for c in ("01", "03")}
    _pay(staff["01"], accounts["03"], 10_000)  # 01 collects for 03
    _pay(staff["01"], accounts["05"], 4_000)  # 01 collects for 05
    _pay(staff["03"], accounts["01"], 3_000)  # 03 collects for 01
    _pay(staff["01"], accounts["01"], 999)  # own company: no settlement
    reversed_one = _pay(staff["03"], accounts["05"], 7_000)
    supervisor03 = User.objects.create(
        username="sup03", scope_kind="center", company=staff["03"][1].company, center=staff["03"][1]
    )
    supervisor03.groups.add(Group.objects.get(name=Role.SUPERVISOR.value))
    payment_reverse(
        actor=staff["03"][0],
        payment=reversed_one.payment,
        reason="duplicate",
        approver=supervisor03,
    )
    day = business_date()
    with pytest.raises(ValidationFailed):
        settlement_run(actor=None, day=day)
    run = settlement_run(actor=None, day=day, force=True)
    assert settlement_run(actor=None, day=day, force=True).pk == run.pk
    cells = {
        (c.collector.code, c.owner.code): (c.count, c.amount)
        for c in run.cells.select_related("collector", "owner")
    }
    assert cells == {
        ("01", "03"): (1, 10_000),
        ("01", "05"): (1, 4_000),
        ("03", "01"): (1, 3_000),
        ("01", "01"): (1, 999),
    }
    assert run.amount == sum(
        Payment.objects.filter(business_date=day, status="posted").values_list("amount", flat=True)
    )
    nets = {p.party.code: p.net for p in run.positions.select_related("party")}
    assert nets == {"01": 3_000 - 14_000, "03": 10_000 - 3_000, "05": 4_000}
    assert sum(nets.values()) == 0
    assert ledger_check().ok
    c01 = Company.objects.get(code="01")
    assert ledger_balance(company_id=c01.pk, code=chart.due_to("03")) == 0
    assert ledger_balance(company_id=c01.pk, code=chart.due_to("00")) == -11_000
    with pytest.raises(ReversalRefused):
        payment_reverse(
            actor=staff["01"][0],
            payment=Payment.objects.filter(collector=c01).first(),
            reason="duplicate",
            approver=supervisor,
        )
    for position in SettlementPosition.objects.filter(run=run):
        settlement_confirm_transfer(actor=None, position=position, reference=f"TRF-{position.pk}")
    est = Company.objects.get(code="00")
    assert ledger_balance(company_id=c01.pk, code=chart.due_to("00")) == 0
    assert ledger_balance(company_id=est.pk, code=chart.BANK) == 0  # in and out through clearing
    assert ledger_balance(company_id=est.pk, code=chart.CLEARING) == 0
    assert ledger_check().ok


class SettlementProperty(TestCase):
    @settings(max_examples=20, deadline=None)
    @given(
        st.lists(
            st.tuples(
                st.sampled_from(["01", "02", "03"]),
                st.sampled_from(["01", "02", "03"]),
                st.integers(1, 10**9),
            ),
            max_size=12,
        )
    )
    def test_random_days_net_to_zero_and_match_the_payments(self, payments) -> None:
        roles_sync()
        accounts = {
            c: account_create(actor=None, company=Company.objects.get(code=c), holder_name="س ص")
            for c in ("01", "02", "03")
        }
        staff = {c: _cashier_at(c) for c in ("01", "02", "03")}
        for collector, owner, amount in payments:
            _pay(staff[collector], accounts[owner], amount)
        run = settlement_run(actor=None, day=business_date(), force=True)
        assert sum(p.net for p in run.positions.all()) == 0
        assert sum(c.amount for c in run.cells.all()) == sum(a for _c, _o, a in payments)
        assert (
            sum(c.amount for c in run.cells.all() if c.collector_id != c.owner_id)
            == run.cross_amount
        )
        assert ledger_check().ok
        for position in run.positions.all():
            settlement_confirm_transfer(actor=None, position=position, reference="T")
        assert ledger_check().ok
        for company in Company.objects.all():
            for other in ("00", "01", "02", "03"):
                assert ledger_balance(company_id=company.pk, code=chart.due_to(other)) == 0
                assert ledger_balance(company_id=company.pk, code=chart.due_from(other)) == 0


@pytest.mark.django_db
def test_settle_command(capsys) -> None:
    from django.core.management import call_command

    call_command("settle", date=(business_date() - dt.timedelta(days=3)).isoformat())
    assert "0 payments" in capsys.readouterr().out
