"""Inquiry: what an unverified visitor sees, verification by meter serial, throttling."""

from __future__ import annotations

import time

import pytest
from django.test import Client

from kuwwa.accounts.models import Meter
from kuwwa.billing.models import Bill
from kuwwa.collection.inquiry import account_summary
from kuwwa.core.digits import to_arabic_digits
from kuwwa.core.ids import format_account_number
from kuwwa.core.money import format_amount
from kuwwa.portal import access

from .conftest import HOLDER, serial_suffix, verify

pytestmark = pytest.mark.django_db


def test_home_is_arabic_first_with_a_labelled_form() -> None:
    html = Client().get("/portal/").content.decode()
    assert '<html lang="ar" dir="rtl">' in html
    assert '<label for="id_number">' in html
    assert 'id="id_number"' in html and 'inputmode="numeric"' in html


def test_home_redirects_a_number_typed_any_way(account) -> None:
    typed = to_arabic_digits(format_account_number(account.number))
    response = Client().post("/portal/", {"number": typed})
    assert response.status_code == 302
    assert response["Location"] == f"/portal/account/{account.number}/"


def test_home_names_what_is_wrong_with_a_number() -> None:
    response = Client().post("/portal/", {"number": "03-00000145-43"})
    assert response.status_code == 200
    assert "errorlist" in response.content.decode()


def test_unverified_page_shows_only_the_safe_facts(account) -> None:
    html = Client().get(f"/portal/account/{account.number}/").content.decode()
    bill = Bill.objects.filter(account=account).first()
    meter = Meter.objects.get(account=account)
    assert account.company.name_ar in html
    due = account_summary(user=None, account=account).due_now
    assert due > 0 and format_amount(due, language="ar") in html
    for secret in (HOLDER, "محمد", account.address, meter.serial, bill.number, account.phone):
        assert secret not in html, secret
    assert "verify/meter/" in html and "verify/send-code/" in html


def test_unknown_account_is_404_with_a_message() -> None:
    response = Client().get("/portal/account/030000099999/")
    assert response.status_code == 404
    assert "errorlist" not in response.content.decode()


def test_wrong_serial_is_refused_and_nothing_is_shown(account) -> None:
    client = Client()
    response = client.post(f"/portal/account/{account.number}/verify/meter/", {"suffix": "XXXX"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "errorlist" in html
    bill = Bill.objects.filter(account=account).first()
    assert bill.number not in client.get(f"/portal/account/{account.number}/").content.decode()


def test_verified_page_shows_bills_chart_and_masked_name(account) -> None:
    client = Client()
    verify(client, account)
    html = client.get(f"/portal/account/{account.number}/").content.decode()
    for bill in Bill.objects.filter(account=account):
        assert to_arabic_digits(bill.number) in html
        assert f"/bills/{bill.number}.pdf" in html
    assert '<svg class="chart"' in html and html.count("<rect x=") == 2
    assert "محمد ع*** ا***" in html and HOLDER not in html


def test_verification_is_per_account(account, billed_account) -> None:
    other = billed_account("03")
    client = Client()
    verify(client, account)
    html = client.get(f"/portal/account/{other.number}/").content.decode()
    assert "verify/meter/" in html
    assert client.get(f"/portal/account/{other.number}/pay/").status_code == 403


def test_verification_lasts_fifteen_minutes(account, monkeypatch) -> None:
    client = Client()
    verify(client, account)
    later = time.time() + 15 * 60 + 1
    monkeypatch.setattr(access.time, "time", lambda: later)
    assert client.get(f"/portal/account/{account.number}/pay/").status_code == 403


def test_forget_ends_the_verification(account) -> None:
    client = Client()
    verify(client, account)
    client.post(f"/portal/account/{account.number}/forget/")
    assert client.get(f"/portal/account/{account.number}/pay/").status_code == 403


def test_failed_verifications_are_limited_per_account(account) -> None:
    url = f"/portal/account/{account.number}/verify/meter/"
    for n in range(10):
        # A fresh client and address each time: the limit follows the account, not the visitor.
        client = Client(REMOTE_ADDR=f"10.0.0.{n}")
        assert client.post(url, {"suffix": "ZZZZ"}).status_code == 200
    response = Client(REMOTE_ADDR="10.0.1.1").post(url, {"suffix": serial_suffix(account)})
    assert response.status_code == 429
    assert "Retry-After" in response
    assert 'role="alert"' in response.content.decode()


def test_lookups_are_limited_per_address(account) -> None:
    client = Client(REMOTE_ADDR="10.1.1.1")
    for _n in range(20):
        assert client.get(f"/portal/account/{account.number}/").status_code == 200
    response = client.get(f"/portal/account/{account.number}/")
    assert response.status_code == 429
    # Another address is not affected.
    assert (
        Client(REMOTE_ADDR="10.1.1.2").get(f"/portal/account/{account.number}/").status_code == 200
    )


def test_unknown_numbers_count_against_the_address_too() -> None:
    client = Client(REMOTE_ADDR="10.2.2.2")
    statuses = [client.get("/portal/account/030000099999/").status_code for _n in range(21)]
    assert statuses[:20] == [404] * 20 and statuses[20] == 429


def test_verified_pages_do_not_use_up_the_allowance(account) -> None:
    client = Client(REMOTE_ADDR="10.3.3.3")
    verify(client, account)
    for _n in range(25):
        assert client.get(f"/portal/account/{account.number}/").status_code == 200


def test_english_page(account) -> None:
    client = Client()
    client.post("/i18n/setlang/", {"language": "en", "next": "/portal/"})
    html = client.get(f"/portal/account/{account.number}/").content.decode()
    assert '<html lang="en" dir="ltr">' in html
    assert account.company.name_en in html


def test_the_language_switch_on_a_verification_result_goes_back_to_the_account(account) -> None:
    response = Client().get(f"/portal/account/{account.number}/verify/meter/")
    assert response.status_code == 302
    assert response["Location"] == f"/portal/account/{account.number}/"
