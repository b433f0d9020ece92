"""Webhooks: signed deliveries from the outbox, exponential backoff, giving up, settlement."""

from __future__ import annotations

import datetime as dt
import http.server
import json
import threading
from collections.abc import Iterator
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from kuwwa.billing.models import Bill
from kuwwa.core.clock import business_date
from kuwwa.partners.models import WebhookDelivery
from kuwwa.partners.signing import same, sign_webhook
from kuwwa.partners.webhooks import (
    BACKOFF_CAP,
    MAX_ATTEMPTS,
    backoff,
    partner_notify_settled,
    webhook_endpoint_set,
    webhook_enqueue,
    webhooks_send_due,
)
from kuwwa.settlement.services import settlement_run

pytestmark = pytest.mark.django_db


class Hook:
    """A partner's webhook receiver on 127.0.0.1; answers with `status`."""

    def __init__(self) -> None:
        self.status = 200
        self.received: list[tuple[dict[str, str], bytes]] = []
        hook = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                hook.received.append((dict(self.headers), body))
                self.send_response(hook.status)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/kuwwa-hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def hook() -> Iterator[Hook]:
    receiver = Hook()
    yield receiver
    receiver.server.shutdown()


def test_backoff_doubles_and_is_capped() -> None:
    assert [backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert backoff(30) == BACKOFF_CAP


def test_a_delivery_is_signed_and_verifiable_by_the_partner(bank, hook) -> None:
    secret = webhook_endpoint_set(actor=None, partner=bank.partner, url=hook.url).secret
    delivery = webhook_enqueue(partner=bank.partner, event="payment.reversed", data={"x": 1})
    assert delivery is not None
    out = StringIO()
    call_command("webhooks_send", stdout=out)
    assert "delivered 1" in out.getvalue()
    headers, body = hook.received[0]
    expected = sign_webhook(
        secret=secret,
        timestamp=headers["X-Kuwwa-Timestamp"],
        event_id=headers["X-Kuwwa-Event-Id"],
        body=body,
    )
    assert same(expected, headers["X-Kuwwa-Signature"])
    payload = json.loads(body)
    assert payload["event"] == "payment.reversed" and payload["id"] == delivery.event_id
    delivery.refresh_from_db()
    assert delivery.state == WebhookDelivery.State.DELIVERED and delivery.attempts == 1
    assert webhooks_send_due().delivered == 0  # nothing is sent twice


def test_failures_are_retried_with_backoff_then_given_up(bank, hook) -> None:
    hook.status = 500
    webhook_endpoint_set(actor=None, partner=bank.partner, url=hook.url)
    delivery = webhook_enqueue(partner=bank.partner, event="payment.reversed", data={})
    assert delivery is not None
    now = timezone.now()
    delays = []
    for attempt in range(1, MAX_ATTEMPTS + 1):
        report = webhooks_send_due(now=now)
        assert (report.delivered, report.failed) == (0, 1)
        delivery.refresh_from_db()
        assert delivery.attempts == attempt and delivery.last_status == 500
        assert webhooks_send_due(now=now).failed == 0  # not due again at once
        if delivery.state == WebhookDelivery.State.FAILED:
            break
        delays.append(delivery.next_attempt_at - now)
        now = delivery.next_attempt_at
    assert delivery.state == WebhookDelivery.State.FAILED
    assert delays[:3] == [dt.timedelta(seconds=s) for s in (30, 60, 120)]
    assert len(hook.received) == MAX_ATTEMPTS


def test_an_unreachable_partner_is_retried(bank) -> None:
    webhook_endpoint_set(actor=None, partner=bank.partner, url="http://127.0.0.1:9/nothing")
    webhook_enqueue(partner=bank.partner, event="payment.reversed", data={})
    assert webhooks_send_due().failed == 1
    delivery = WebhookDelivery.objects.get()
    assert delivery.state == WebhookDelivery.State.PENDING and delivery.last_error


def test_a_recovered_partner_gets_the_delivery(bank, hook) -> None:
    hook.status = 503
    webhook_endpoint_set(actor=None, partner=bank.partner, url=hook.url)
    webhook_enqueue(partner=bank.partner, event="payment.reversed", data={})
    webhooks_send_due()
    hook.status = 204
    later = timezone.now() + dt.timedelta(minutes=1)
    assert webhooks_send_due(now=later).delivered == 1


def test_no_webhook_no_delivery(bank) -> None:
    assert webhook_enqueue(partner=bank.partner, event="payment.reversed", data={}) is None


def test_settlement_notifies_each_partner_with_its_totals(bank, wallet, billed_account) -> None:
    bill = Bill.objects.get(account=billed_account("03"))
    bank.pay("S-1", {"account_number": bill.account.number, "amount": 100_00})
    bank.pay("S-2", {"account_number": bill.account.number, "amount": 200_00})
    bank.post("/payments/S-2/reversal", {"reason": "duplicate"})
    webhook_endpoint_set(actor=None, partner=bank.partner, url="http://127.0.0.1:9/a")
    webhook_endpoint_set(actor=None, partner=wallet.partner, url="http://127.0.0.1:9/b")
    WebhookDelivery.objects.all().delete()
    run = settlement_run(actor=None, day=business_date(), force=True)
    assert partner_notify_settled(run) == 2
    by_partner = {d.partner_id: d.payload for d in WebhookDelivery.objects.all()}
    assert by_partner[bank.partner.pk]["event"] == "payments.settled"
    assert by_partner[bank.partner.pk]["data"] == {
        "business_date": business_date().isoformat(),
        "payments": 1,
        "amount": 100_00,
        "reversed": 1,
    }
    assert by_partner[wallet.partner.pk]["data"]["payments"] == 0
