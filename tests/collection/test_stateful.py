"""Issue 4's stateful property: bills, payments from random companies and centers, duplicate
references and reversals, in any order; after every step the books obey DESIGN.md §3."""

from __future__ import annotations

import contextlib
import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import F, Sum
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from kuwwa.accounts.services import account_create, meter_install
from kuwwa.billing.cycles import cycle_open
from kuwwa.billing.models import Bill, BillingCycle
from kuwwa.billing.readings import reading_submit
from kuwwa.billing.run import billing_run
from kuwwa.billing.selectors import receivables_mismatches
from kuwwa.cashiering.models import Shift
from kuwwa.cashiering.services import shift_open
from kuwwa.collection.models import Payment
from kuwwa.collection.services import PaymentRequest, payment_create, payment_reverse
from kuwwa.core.errors import ApplicationError
from kuwwa.ledger.selectors import ledger_check, subscriber_balance
from kuwwa.organizations.models import CollectionCenter, Company, User
from kuwwa.organizations.roles import Role, roles_sync

pytestmark = pytest.mark.django_db
CODES = ("01", "03", "05")
CYCLES = [f"{y}-{m:02d}" for y in (2026, 2027) for m in (2, 4, 6, 8, 10, 12)]


class Books(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        roles_sync()
        self.accounts = []
        self.staff: dict[str, tuple[CollectionCenter, User, User]] = {}
        self.cycle_index = dict.fromkeys(CODES, 0)
        self.meter_values: dict[int, int] = {}
        self.shifts: dict[str, Shift] = {}
        for n, code in enumerate(CODES):
            company = Company.objects.get(code=code)
            account = account_create(actor=None, company=company, holder_name="سامر علي")
            meter_install(
                actor=None, account=account, serial=f"S{n}", installed_on=dt.date(2020, 1, 1)
            )
            self.accounts.append(account)
            self.meter_values[account.pk] = 0
            center, _ = CollectionCenter.objects.get_or_create(
                company=company, code="0001", defaults={"name_ar": "مركز"}
            )
            cashier = User.objects.create(
                username=f"c{code}", scope_kind="center", company=company, center=center
            )
            cashier.groups.add(Group.objects.get(name=Role.CASHIER.value))
            supervisor = User.objects.create(
                username=f"s{code}", scope_kind="center", company=company, center=center
            )
            supervisor.groups.add(Group.objects.get(name=Role.SUPERVISOR.value))
            self.staff[code] = (center, cashier, supervisor)
            self.shifts[code] = shift_open(actor=cashier, opening_float=0)

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    @rule(company=st.sampled_from(CODES), kwh=st.lists(st.integers(0, 900), min_size=3, max_size=3))
    def bill_a_cycle(self, company: str, kwh: list[int]) -> None:
        index = self.cycle_index[company]
        if index >= len(CYCLES):
            return
        owner = Company.objects.get(code=company)
        cycle = BillingCycle.objects.filter(
            company=owner, code=CYCLES[index]
        ).first() or cycle_open(actor=None, company=owner, code=CYCLES[index])
        for account, used in zip(self.accounts, kwh, strict=True):
            if account.company_id != owner.pk:
                continue
            self.meter_values[account.pk] += used
            with contextlib.suppress(ApplicationError):
                reading_submit(
                    actor=None,
                    account=account,
                    value=self.meter_values[account.pk],
                    read_on=cycle.reading_window_start,
                    source="reader",
                    cycle=cycle,
                )
        billing_run(actor=None, company=owner, cycle=cycle)
        self.cycle_index[company] += 1

    @rule(
        who=st.integers(0, 2),
        where=st.sampled_from(CODES),
        share=st.sampled_from([0.25, 1.0, 1.5]),
        ref=st.integers(0, 5),
        named=st.booleans(),
        to_credit=st.booleans(),
    )
    def pay(
        self, who: int, where: str, share: float, ref: int, named: bool, to_credit: bool
    ) -> None:
        account = self.accounts[who]
        center, cashier, _sup = self.staff[where]
        bills = list(Bill.objects.filter(account=account).order_by("cycle__period_start"))
        due = sum(b.outstanding for b in bills) or 1000
        request = PaymentRequest(
            account_number=account.number,
            amount=max(int(due * share), 1),
            center=center,
            client_reference=f"ref-{ref}",
            bill_number=bills[-1].number if named and bills else None,
            to_credit=to_credit,
            shift_id=self.shifts[where].pk,
        )
        try:
            payment_create(actor=cashier, request=request)
        except ApplicationError as exc:
            assert exc.code in {
                "NOTHING_DUE",
                "BILL_ALREADY_PAID",
                "IDEMPOTENCY_KEY_REUSED",
                "AMOUNT_NOT_ALLOWED",
            }, exc.code

    @rule(pick=st.integers(0, 50))
    def reverse(self, pick: int) -> None:
        posted = list(Payment.objects.filter(status="posted").order_by("pk"))
        if not posted:
            return
        payment = posted[pick % len(posted)]
        center_code = payment.center.company.code
        _center, cashier, supervisor = self.staff[center_code]
        payment_reverse(actor=cashier, payment=payment, reason="wrong_amount", approver=supervisor)

    @invariant()
    def books_balance(self) -> None:
        result = ledger_check()
        assert result.ok, result
        assert receivables_mismatches() == []

    @invariant()
    def no_bill_over_allocated(self) -> None:
        over = Bill.objects.filter(paid__gt=F("total") + F("adjusted")).exclude(paid=0)
        assert not over.exists()
        for bill in Bill.objects.all():
            allocated = bill.allocations.filter(payment__status="posted").aggregate(
                s=Sum("amount")
            )["s"]
            assert bill.paid == (allocated or 0) + bill.credit_applied

    @invariant()
    def balance_is_bills_less_payments(self) -> None:
        for account in self.accounts:
            bills = Bill.objects.filter(account=account).aggregate(s=Sum("total"))["s"] or 0
            adjusted = Bill.objects.filter(account=account).aggregate(s=Sum("adjusted"))["s"] or 0
            paid = (
                Payment.objects.filter(account=account, status="posted").aggregate(s=Sum("amount"))[
                    "s"
                ]
                or 0
            )
            assert (
                subscriber_balance(company_id=account.company_id, subscriber_id=account.pk)
                == bills + adjusted - paid
            )


def test_books_stay_whole_under_any_sequence() -> None:
    run_state_machine_as_test(
        Books, settings=settings(max_examples=15, stateful_step_count=12, deadline=None)
    )
