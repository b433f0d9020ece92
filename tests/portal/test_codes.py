"""One-time codes by SMS: hashed at rest, 5 minutes, 3 attempts, limited per account."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from kuwwa.core.models import SmsMessage
from kuwwa.portal.models import OneTimeCode

from .conftest import HOLDER, PHONE, last_code, verify_by_sms

pytestmark = pytest.mark.django_db


def send(client: Client, account) -> str:
    response = client.post(f"/portal/account/{account.number}/verify/send-code/")
    assert response.status_code == 200
    return response.content.decode()


def test_a_code_is_sent_to_the_registered_phone_and_kept_hashed(account) -> None:
    html = send(Client(), account)
    assert 'autocomplete="one-time-code"' in html
    code = last_code()
    assert SmsMessage.objects.filter(phone=PHONE).count() == 1
    row = OneTimeCode.objects.get(account=account)
    assert code not in (row.code_hash, row.salt) and len(row.code_hash) == 64
    assert abs(row.expires_at - row.created_at - dt.timedelta(minutes=5)) < dt.timedelta(seconds=1)


def test_the_right_code_gives_strong_access_with_the_full_name(account) -> None:
    client = Client()
    verify_by_sms(client, account)
    assert HOLDER in client.get(f"/portal/account/{account.number}/").content.decode()


def test_no_phone_gives_the_same_answer_and_sends_nothing(billed_account) -> None:
    silent = billed_account("03", phone="")
    with_phone = billed_account("03")
    a, b = send(Client(), silent), send(Client(), with_phone)
    assert SmsMessage.objects.count() == 1

    def notice(html: str) -> str:
        return html.split('class="notice"', 1)[1].split("</p>", 1)[0]

    assert notice(a) == notice(b)


def test_a_wrong_code_is_refused_and_three_kill_it(account) -> None:
    client = Client()
    send(client, account)
    code = last_code()
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    url = f"/portal/account/{account.number}/verify/code/"
    for _n in range(3):
        assert client.post(url, {"code": wrong}).status_code == 200
    assert client.post(url, {"code": code}).status_code == 200  # dead after 3 attempts
    assert client.get(f"/portal/account/{account.number}/pay/").status_code == 403


def test_a_code_expires_after_five_minutes(account) -> None:
    client = Client()
    send(client, account)
    OneTimeCode.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    response = client.post(f"/portal/account/{account.number}/verify/code/", {"code": last_code()})
    assert response.status_code == 200 and "errorlist" in response.content.decode()


def test_a_code_is_used_once_and_a_new_one_replaces_the_old(account) -> None:
    client = Client()
    send(client, account)
    first = last_code()
    send(client, account)
    second = last_code()
    url = f"/portal/account/{account.number}/verify/code/"
    if first != second:
        assert client.post(url, {"code": first}).status_code == 200
    assert client.post(url, {"code": second}).status_code == 302
    assert Client().post(url, {"code": second}).status_code == 200


def test_codes_per_account_are_limited(account) -> None:
    for n in range(3):
        send(Client(REMOTE_ADDR=f"10.9.0.{n}"), account)
    response = Client(REMOTE_ADDR="10.9.1.1").post(
        f"/portal/account/{account.number}/verify/send-code/"
    )
    assert response.status_code == 429
    assert SmsMessage.objects.count() == 3


def test_wrong_codes_count_as_failed_verifications(account, settings) -> None:
    settings.KUWWA_PORTAL_FAILED_VERIFICATIONS_PER_HOUR = 2
    client = Client()
    url = f"/portal/account/{account.number}/verify/code/"
    client.post(url, {"code": "000000"})
    client.post(url, {"code": "000001"})
    assert client.post(url, {"code": "000002"}).status_code == 429
