"""What each role reaches in the back office's records (the admin): the records services write
— bills, cycles, readings, runs, adjustments, payments, receipts, shifts — are read by the
staff who work with them, each in their own scope, and by no one at a counter (docs/roles.md)."""

from __future__ import annotations

import pytest
from django.test import Client

from kuwwa.organizations.roles import Role

pytestmark = pytest.mark.django_db

RECORDS = (
    "billing/bill",
    "billing/billingcycle",
    "billing/meterreading",
    "billing/billingrun",
    "billing/adjustment",
    "collection/payment",
    "collection/receipt",
    "cashiering/shift",
    "cashiering/handover",
    "cashiering/deposit",
)
READ_ALL = set(RECORDS)
# Role → the records' lists it opens; every other list is refused (403).
SEES: dict[Role, set[str]] = {
    Role.ESTABLISHMENT_ADMIN: READ_ALL,
    Role.AUDITOR: READ_ALL,
    Role.COMPANY_ADMIN: READ_ALL,
    Role.ACCOUNTANT: READ_ALL,
    Role.READING_CLERK: {"billing/billingcycle", "billing/meterreading"},
    Role.SUPERVISOR: set(),
    Role.CASHIER: set(),
}
SCOPE = {
    Role.ESTABLISHMENT_ADMIN: (None, None),
    Role.AUDITOR: (None, None),
    Role.SUPERVISOR: ("01", "0001"),
    Role.CASHIER: ("01", "0001"),
}


@pytest.mark.parametrize("role", list(SEES))
def test_each_role_reads_the_records_of_its_work(role: Role, make_user) -> None:
    company, center = SCOPE.get(role, ("01", None))
    client = Client()
    client.force_login(make_user(role, company, center))
    seen = {record for record in RECORDS if client.get(f"/admin/{record}/").status_code == 200}
    assert seen == SEES[role]


def test_company_staff_open_cycles_and_request_adjustments_clerks_do_not(make_user) -> None:
    def can_add(role: Role, record: str) -> bool:
        client = Client()
        client.force_login(make_user(role, "01", username=f"{role.value}-{record[8:]}"))
        return client.get(f"/admin/{record}/add/").status_code == 200

    assert can_add(Role.COMPANY_ADMIN, "billing/billingcycle")
    assert can_add(Role.COMPANY_ADMIN, "billing/adjustment")
    assert can_add(Role.ACCOUNTANT, "billing/adjustment")
    assert not can_add(Role.ACCOUNTANT, "billing/billingcycle")
    assert not can_add(Role.READING_CLERK, "billing/adjustment")


def test_company_staff_see_only_their_companys_bills(make_user, make_account) -> None:
    from kuwwa.billing.models import Bill
    from tests.conftest import bill_cycles

    own = Bill.objects.get(account=bill_cycles(make_account("01"), (300,)))
    other = Bill.objects.get(account=bill_cycles(make_account("03"), (300,)))
    client = Client()
    client.force_login(make_user(Role.ACCOUNTANT, "01"))
    page = client.get("/admin/billing/bill/").content.decode()
    assert own.number in page and other.number not in page
    assert client.get(f"/admin/billing/bill/{other.pk}/change/").status_code in (302, 404)
    assert client.get(f"/admin/billing/bill/{own.pk}/change/").status_code == 200


def test_an_accountant_requests_a_credit_note_and_the_company_admin_approves_it(
    make_user, make_account
) -> None:
    from kuwwa.billing.models import Adjustment, Bill
    from kuwwa.ledger.selectors import ledger_check
    from tests.conftest import bill_cycles

    bill = Bill.objects.get(account=bill_cycles(make_account("01"), (300,)))
    accountant, admin = Client(), Client()
    accountant.force_login(make_user(Role.ACCOUNTANT, "01"))
    admin.force_login(make_user(Role.COMPANY_ADMIN, "01"))
    response = accountant.post(
        "/admin/billing/adjustment/add/",
        {"bill": bill.pk, "kind": "credit", "amount": 5000, "reason": "wrong_reading"},
    )
    assert response.status_code == 302, response.content.decode()[-2000:]
    adjustment = Adjustment.objects.get(bill=bill)
    assert adjustment.state == "pending"
    admin.post(
        "/admin/billing/adjustment/",
        {"action": "approve", "_selected_action": [adjustment.pk]},
    )
    adjustment.refresh_from_db()
    bill.refresh_from_db()
    assert adjustment.state == "approved" and bill.adjusted == -5000
    assert ledger_check().ok


def test_a_company_admin_moves_cycles_through_reading_and_closing(make_user, make_account) -> None:
    from kuwwa.billing.cycles import cycle_open
    from kuwwa.billing.models import BillingCycle
    from tests.conftest import bill_cycles

    bill_cycles(make_account("01"), (300,))  # a billed (issued) cycle
    issued = BillingCycle.objects.get(company__code="01")
    assert issued.state == "issued"
    opened = cycle_open(actor=None, company=issued.company, code="2030-01")

    def act(role: Role, action: str, cycle: BillingCycle) -> str:
        client = Client()
        client.force_login(make_user(role, "01", username=f"{role.value}-{action}-{cycle.pk}"))
        client.post(
            "/admin/billing/billingcycle/", {"action": action, "_selected_action": [cycle.pk]}
        )
        cycle.refresh_from_db()
        return cycle.state

    assert act(Role.ACCOUNTANT, "start_reading", opened) == "open"
    assert act(Role.COMPANY_ADMIN, "start_reading", opened) == "reading"
    assert act(Role.COMPANY_ADMIN, "close", opened) == "reading"  # not issued yet: refused
    assert act(Role.COMPANY_ADMIN, "close", issued) == "closed"
