"""Receipt SMS through the two backends: the outbox row is the delivery; a gateway's message is
sent by the sender (`kuwwa sms-send`), never in the request that paid, and the outcome
recorded. On either database and either payment path."""

from __future__ import annotations

import logging
from io import StringIO
from typing import Any

import pytest

from kuwwa.collection.services import payment_create
from kuwwa.core.models import SmsMessage
from kuwwa.core.sms import HttpGatewayBackend
from tests.conftest import bill_cycles

pytestmark = pytest.mark.django_db


@pytest.fixture
def gateway(settings, monkeypatch) -> list[tuple[str, str]]:
    """The HTTP backend with its network call replaced: what it was asked to send."""
    settings.KUWWA_SMS_BACKEND = "http"
    sent: list[tuple[str, str]] = []

    def send(self: Any, *, phone: str, text: str) -> str:
        sent.append((phone, text))
        return "gw-1"

    monkeypatch.setattr(HttpGatewayBackend, "send", send)
    return sent


def _pay(make_account, cashier, counter_request, capture) -> tuple[Any, SmsMessage]:
    account = bill_cycles(make_account("03", phone="0944123456"), (450,))
    with capture(execute=False) as callbacks:
        payment_create(actor=cashier, request=counter_request(account, 10_00))
    message = SmsMessage.objects.get(phone=account.phone)
    return callbacks, message


def test_the_outbox_row_is_the_delivery_and_the_log_comes_after_commit(
    make_account, cashier, counter_request, django_capture_on_commit_callbacks, caplog
):
    caplog.set_level(logging.INFO, logger="kuwwa.sms")
    callbacks, message = _pay(
        make_account, cashier, counter_request, django_capture_on_commit_callbacks
    )
    assert (message.status, message.reference, message.attempts) == ("sent", "outbox", 1)
    assert "رقم الإيصال" in message.text  # Arabic, with the receipt number
    assert not [r for r in caplog.records if r.name == "kuwwa.sms"]  # not before commit
    for callback in callbacks:
        callback()
    assert [r for r in caplog.records if r.name == "kuwwa.sms"]


def test_the_gateway_is_called_by_the_sender_never_by_the_payment(
    gateway, make_account, cashier, counter_request, django_capture_on_commit_callbacks
):
    """A slow or unreachable gateway must not hold the payment's answer: the request only
    queues the message, and the sender posts it once the payment has committed."""
    from django.core.management import call_command

    callbacks, message = _pay(
        make_account, cashier, counter_request, django_capture_on_commit_callbacks
    )
    for callback in callbacks:
        callback()  # everything the payment's request does after its commit
    message.refresh_from_db()
    assert message.status == "queued" and gateway == []
    call_command("sms_send", stdout=StringIO())
    message.refresh_from_db()
    assert (message.status, message.reference, message.attempts) == ("sent", "gw-1", 1)
    assert gateway == [(message.phone, message.text)]
    call_command("sms_send", stdout=StringIO())  # a second pass sends nothing again
    assert len(gateway) == 1


def test_a_gateway_failure_is_recorded_and_retried(
    gateway,
    make_account,
    cashier,
    counter_request,
    django_capture_on_commit_callbacks,
    monkeypatch,
):
    from django.core.management import call_command

    def down(self: Any, *, phone: str, text: str) -> str:
        raise OSError("gateway unreachable")

    monkeypatch.setattr(HttpGatewayBackend, "send", down)
    _callbacks, message = _pay(
        make_account, cashier, counter_request, django_capture_on_commit_callbacks
    )
    call_command("sms_send", stdout=StringIO())  # a failing gateway never stops the sender
    message.refresh_from_db()
    assert message.status == "failed" and "unreachable" in message.error
    monkeypatch.undo()
    monkeypatch.setattr(HttpGatewayBackend, "send", lambda self, *, phone, text: "gw-2")
    call_command("sms_retry", stdout=StringIO())
    message.refresh_from_db()
    assert (message.status, message.reference, message.attempts) == ("sent", "gw-2", 2)
