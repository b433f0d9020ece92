"""Issue 3's ledger property: for any sequence of readings, billing runs and adjustments, the
ledger balances, the sub-ledger matches the control account, and bills match receivables."""

from __future__ import annotations

import contextlib
import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from kuwwa.accounts.services import account_create, meter_install
from kuwwa.billing.adjustments import adjustment_decide, adjustment_request
from kuwwa.billing.cycles import cycle_open
from kuwwa.billing.models import Adjustment, Bill
from kuwwa.billing.readings import reading_submit
from kuwwa.billing.run import billing_run
from kuwwa.billing.selectors import receivables_mismatches
from kuwwa.core.errors import ApplicationError, Conflict
from kuwwa.ledger.selectors import ledger_check
from kuwwa.organizations.models import Company

CYCLES = ["2026-02", "2026-04", "2026-06", "2026-08"]

step = st.one_of(
    st.tuples(st.just("read"), st.integers(0, 2), st.integers(0, 3000)),
    st.tuples(st.just("bill"), st.just(0), st.just(0)),
    st.tuples(st.just("adjust"), st.sampled_from(["credit", "debit"]), st.integers(1, 50_000_00)),
)


class BooksProperty(TestCase):
    @settings(max_examples=20, deadline=None)
    @given(st.lists(step, max_size=14), st.sampled_from(["household", "industrial", "exempt"]))
    def test_the_books_stay_whole(self, steps, category) -> None:
        company = Company.objects.get(code="04")
        accounts = []
        for n in range(3):
            account = account_create(
                actor=None, company=company, holder_name="س ص", category=category
            )
            meter_install(
                actor=None, account=account, serial=f"P{n}", installed_on=dt.date(2020, 1, 1)
            )
            accounts.append(account)
        cycle_index = 0
        cycle = cycle_open(actor=None, company=company, code=CYCLES[0])
        for action, a, b in steps:
            if action == "read":
                day = cycle.reading_window_start + dt.timedelta(days=1)
                # Refusals (say, a cycle already billed) are part of the property.
                with contextlib.suppress(ApplicationError):
                    reading_submit(
                        actor=None, account=accounts[a], value=b, read_on=day, source="reader"
                    )
            elif action == "bill":
                billing_run(actor=None, company=company, cycle=cycle)
                if cycle_index + 1 < len(CYCLES):
                    cycle_index += 1
                    cycle = cycle_open(actor=None, company=company, code=CYCLES[cycle_index])
            else:
                bill = Bill.objects.filter(company=company, total__gt=0).order_by("-pk").first()
                if bill is None:
                    continue
                note = adjustment_request(actor=None, bill=bill, kind=a, amount=b, reason="other")
                try:
                    adjustment_decide(actor=None, adjustment=note, approve=True)
                except Conflict:
                    refused = Adjustment.objects.get(pk=note.pk)
                    assert refused.state == Adjustment.State.PENDING
            result = ledger_check()
            assert result.ok, result
            assert receivables_mismatches() == []
