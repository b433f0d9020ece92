"""A clerk records a reading taken at the office in the back office: checked like any reading,
the outcome shown in the clerk's language, other companies' accounts out of reach."""

from __future__ import annotations

import pytest
from django.test import Client

from kuwwa.billing.models import MeterReading
from kuwwa.core.digits import to_arabic_digits
from kuwwa.organizations.roles import Role

pytestmark = pytest.mark.django_db
URL = "/admin/billing/meterreading/enter/"


@pytest.fixture
def clerk(make_user) -> Client:
    client = Client()
    client.force_login(make_user(Role.READING_CLERK, "01"))
    return client


def _enter(client: Client, account_number: str, reading: str, day: str) -> str:
    response = client.post(
        URL, {"account_number": account_number, "reading": reading, "read_on": day}
    )
    assert response.status_code == 200
    return response.content.decode()


def test_a_clerk_records_a_reading_typed_in_arabic_digits(
    clerk, make_account, open_cycle, in_window
) -> None:
    account = make_account("01")
    day = in_window(open_cycle("2026-06", "01")).isoformat()
    page = _enter(clerk, to_arabic_digits(account.number), to_arabic_digits("450"), day)
    reading = MeterReading.objects.get(account=account)
    assert (reading.value, reading.source, reading.status) == (450, "office", "accepted")
    assert "مقبولة" in page or "accepted" in page.lower()
    again = _enter(clerk, account.number, "450", day)
    assert MeterReading.objects.filter(account=account).count() == 1
    assert "سُجّلت" in again or "Already recorded" in again


def test_a_bad_entry_is_explained_and_records_nothing(
    clerk, make_account, open_cycle, in_window
) -> None:
    day = in_window(open_cycle("2026-06", "03")).isoformat()
    other = make_account("03")
    page = _enter(clerk, other.number, "450", day)  # another company's account
    assert not MeterReading.objects.exists()
    assert "لا يوجد حساب بهذا الرقم" in page
    mine = make_account("01")
    page = _enter(clerk, mine.number, "4x0", day)
    assert not MeterReading.objects.exists()
    assert "errornote" in page


def test_only_staff_who_record_readings_reach_the_page(make_user) -> None:
    for role, center, allowed in (
        (Role.READING_CLERK, None, True),
        (Role.COMPANY_ADMIN, None, True),
        (Role.ACCOUNTANT, None, False),
        (Role.CASHIER, "0001", False),
    ):
        client = Client()
        client.force_login(make_user(role, "01", center))
        assert (client.get(URL).status_code == 200) is allowed, role


def test_a_clerk_reviews_a_flagged_reading_an_accountant_cannot(
    make_user, make_account, open_cycle, in_window, billed_cycle
) -> None:
    from kuwwa.billing.readings import reading_submit

    account = make_account("01")
    billed_cycle(account, "2026-02", 400)
    cycle = open_cycle("2026-04")
    flagged = reading_submit(
        actor=None, account=account, value=5400, read_on=in_window(cycle), source="reader"
    ).reading
    assert flagged.status == "needs_review"

    def review(role: Role) -> str:
        client = Client()
        client.force_login(make_user(role, "01"))
        client.post(
            "/admin/billing/meterreading/",
            {"action": "accept", "_selected_action": [flagged.pk]},
        )
        flagged.refresh_from_db()
        return flagged.status

    assert review(Role.ACCOUNTANT) == "needs_review"
    assert review(Role.READING_CLERK) == "accepted"
