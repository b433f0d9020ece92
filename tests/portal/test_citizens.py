"""Citizen sign-in with a phone and a code, and the list of accounts (home, shop…)."""

from __future__ import annotations

import pytest
from django.test import Client

from kuwwa.core.models import SmsMessage
from kuwwa.portal.models import CitizenAccountLink, CitizenProfile, OneTimeCode
from kuwwa.portal.phones import phone_normalise

from .conftest import PHONE, last_code, serial_suffix

pytestmark = pytest.mark.django_db


def sign_in(client: Client, phone: str = PHONE) -> None:
    assert client.post("/portal/signin/", {"phone": phone}).status_code == 302
    response = client.post("/portal/signin/code/", {"code": last_code(phone_normalise(phone))})
    assert response.status_code == 302 and response["Location"] == "/portal/my/"


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("0931234567", "0931234567"),
        ("+963 93 123 4567", "0931234567"),
        ("00963931234567", "0931234567"),
        ("٠٩٣١٢٣٤٥٦٧", "0931234567"),
        ("931234567", "0931234567"),
        ("011 2345678", ""),
        ("12", ""),
    ],
)
def test_phone_numbers(typed: str, stored: str) -> None:
    assert phone_normalise(typed) == stored


def test_sign_in_with_a_code(db) -> None:
    client = Client()
    assert client.get("/portal/my/")["Location"] == "/portal/signin/"
    sign_in(client, "+963931234567")
    assert CitizenProfile.objects.get().phone == PHONE
    assert OneTimeCode.objects.get().company.code == "00"
    assert client.get("/portal/my/").status_code == 200


def test_a_wrong_code_does_not_sign_in(db) -> None:
    client = Client()
    client.post("/portal/signin/", {"phone": PHONE})
    response = client.post("/portal/signin/code/", {"code": "12345"})
    assert response.status_code == 200 and "errorlist" in response.content.decode()
    assert not CitizenProfile.objects.exists()


def test_an_account_with_my_phone_joins_without_more_questions(account) -> None:
    client = Client()
    sign_in(client)
    response = client.post("/portal/my/", {"number": account.formatted_number, "label": "البيت"})
    assert response.status_code == 302
    link = CitizenAccountLink.objects.get()
    assert link.verified_via == "phone" and link.company_id == account.company_id
    assert link.label == "البيت"
    # Listed accounts open without another verification, with the full name (strong).
    html = client.get(f"/portal/account/{account.number}/").content.decode()
    assert account.holder_name in html


def test_another_persons_account_needs_the_meter(billed_account) -> None:
    shop = billed_account("01", phone="0999999999")
    client = Client()
    sign_in(client)
    refused = client.post("/portal/my/", {"number": shop.number, "suffix": "0000X"})
    assert refused.status_code == 400 and not CitizenAccountLink.objects.exists()
    ok = client.post(
        "/portal/my/", {"number": shop.number, "suffix": serial_suffix(shop), "label": "المحل"}
    )
    assert ok.status_code == 302
    assert CitizenAccountLink.objects.get().verified_via == "meter"
    assert "محمد ع***" in client.get(f"/portal/account/{shop.number}/").content.decode()


def test_remove_and_sign_out(account) -> None:
    client = Client()
    sign_in(client)
    client.post("/portal/my/", {"number": account.number})
    link = CitizenAccountLink.objects.get()
    stranger = Client()
    sign_in(stranger, "0944000111")
    stranger.post(f"/portal/my/{link.pk}/remove/")
    assert CitizenAccountLink.objects.exists()  # not theirs
    client.post(f"/portal/my/{link.pk}/remove/")
    assert not CitizenAccountLink.objects.exists()
    client.post("/portal/signout/")
    assert client.get("/portal/my/").status_code == 302


def test_sign_in_codes_are_limited_per_phone(db) -> None:
    for n in range(3):
        Client(REMOTE_ADDR=f"10.5.0.{n}").post("/portal/signin/", {"phone": PHONE})
    response = Client(REMOTE_ADDR="10.5.1.1").post("/portal/signin/", {"phone": PHONE})
    assert response.status_code == 429
    assert SmsMessage.objects.count() == 3


def test_a_landline_is_refused(db) -> None:
    response = Client().post("/portal/signin/", {"phone": "011 2345678"})
    assert response.status_code == 200 and "errorlist" in response.content.decode()
    assert not SmsMessage.objects.exists()
