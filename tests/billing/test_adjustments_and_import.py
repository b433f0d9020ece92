"""Credit and debit notes need another person's approval and keep the books whole; CSV
imports report every row and never let a bad row block or half-write."""

from __future__ import annotations

import pytest

from kuwwa.billing.adjustments import adjustment_decide, adjustment_request
from kuwwa.billing.imports import readings_import_csv
from kuwwa.billing.models import Adjustment, Bill, MeterReading
from kuwwa.billing.readings import reading_submit
from kuwwa.billing.run import billing_run
from kuwwa.core.errors import Conflict, PermissionDenied
from kuwwa.core.models import AuditEvent
from kuwwa.ledger.selectors import ledger_check, subscriber_balance
from kuwwa.organizations.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def billed(make_account, open_cycle, in_window):
    account = make_account("01")
    cycle = open_cycle()
    reading_submit(
        actor=None, account=account, value=450, read_on=in_window(cycle), source="reader"
    )
    billing_run(actor=None, company=account.company, cycle=cycle)
    return Bill.objects.get(account=account)


def test_a_credit_note_needs_a_second_person_and_posts_when_approved(billed, make_user):
    accountant = make_user(Role.ACCOUNTANT, "01")
    admin = make_user(Role.COMPANY_ADMIN, "01")
    note = adjustment_request(
        actor=accountant, bill=billed, kind="credit", amount=10_000_00, reason="wrong_reading"
    )
    billed.refresh_from_db()
    assert billed.adjusted == 0  # nothing moves before approval
    with pytest.raises(PermissionDenied):
        adjustment_decide(actor=accountant, adjustment=note, approve=True)
    adjustment_decide(actor=admin, adjustment=note, approve=True)
    billed.refresh_from_db()
    assert billed.adjusted == -10_000_00
    assert billed.outstanding == billed.total - 10_000_00
    assert (
        subscriber_balance(company_id=billed.company_id, subscriber_id=billed.account_id)
        == billed.outstanding
    )
    assert ledger_check().ok
    with pytest.raises(Conflict):
        adjustment_decide(actor=admin, adjustment=note, approve=True)


def test_a_credit_note_larger_than_the_bill_is_refused(billed, make_user):
    accountant = make_user(Role.ACCOUNTANT, "01")
    admin = make_user(Role.COMPANY_ADMIN, "01")
    note = adjustment_request(
        actor=accountant, bill=billed, kind="credit", amount=billed.total + 1, reason="other"
    )
    with pytest.raises(Conflict):
        adjustment_decide(actor=admin, adjustment=note, approve=True)
    note.refresh_from_db()
    assert note.state == Adjustment.State.PENDING


def test_another_companys_staff_cannot_adjust(billed, make_user):
    with pytest.raises(PermissionDenied):
        adjustment_request(
            actor=make_user(Role.ACCOUNTANT, "03"),
            bill=billed,
            kind="debit",
            amount=100,
            reason="other",
        )


def test_csv_import_reports_every_row_and_keeps_good_rows(make_account, open_cycle, in_window):
    cycle = open_cycle()
    day = in_window(cycle).isoformat()
    good, duplicate, low = make_account("01"), make_account("01"), make_account("01")
    other = make_account("03")
    bad_check = good.number[:-1] + str((int(good.number[-1]) + 1) % 10)
    csv_text = "\n".join(
        [
            "account_number,reading,read_on,reader",
            f"{good.number},450,{day},reader-7",
            f"{bad_check},100,{day},reader-7",
            f"{duplicate.number},200,{day},",
            f"{duplicate.number},200,{day},",
            f"{low.number},abc,{day},",
            f"{low.number},50,31/02/2026,",
            f"{other.number},75,{day},",
            f"{good.number[:5]},75,{day},",
        ]
    )
    events_before = AuditEvent.objects.count()
    reports = readings_import_csv(actor=None, data=csv_text.encode(), company_id=good.company_id)
    statuses = [(r.line, r.ok, r.status) for r in reports]
    assert statuses == [
        (2, True, "accepted"),
        (3, False, "rejected"),
        (4, True, "accepted"),
        (5, True, "accepted"),
        (6, False, "rejected"),
        (7, False, "rejected"),
        (8, False, "rejected"),
        (9, False, "rejected"),
    ]
    assert "Already recorded" in reports[3].message or "من قبل" in reports[3].message
    assert MeterReading.objects.count() == 2
    assert AuditEvent.objects.count() == events_before + 2


def test_csv_without_the_required_columns_is_refused_whole():
    reports = readings_import_csv(actor=None, data=b"number,value\n1,2\n")
    assert len(reports) == 1 and not reports[0].ok
