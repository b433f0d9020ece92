"""Outgoing SMS: queued in the caller's transaction, delivered once it commits.

The default backend ("outbox") keeps each message in the SmsMessage table, where the committed
row is the delivery (an SMS operator's system reads the outbox), and writes it to the log after
commit: what a demo or a machine without a gateway needs, at no second write per message.
The "http" backend posts to a real SMS gateway (KUWWA_SMS_HTTP_URL, bearer
KUWWA_SMS_HTTP_TOKEN), but never in the request that queued the message: a slow or unreachable
gateway would hold every payment's answer at the counter and on the partner API (up to its
timeout) and tie up the server's threads. The sender (`kuwwa sms-send --loop`, a service
beside the web server) takes committed queued messages one at a time (SKIP LOCKED, so several
senders share the work), posts them and records the outcome; a message whose sending failed
stays "failed" and `kuwwa sms-retry` sends it again.
"""

from __future__ import annotations

import json
import logging
import urllib.request
from typing import Any, Protocol

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet

from kuwwa.core.models import SmsMessage
from kuwwa.core.outboxcommand import worker_rows

log = logging.getLogger("kuwwa.sms")


class SmsBackend(Protocol):
    # True: the committed outbox row is the delivery (nothing to send, nothing to mark after).
    delivered_by_commit: bool

    def send(self, *, phone: str, text: str) -> str:
        """Send one message; return the gateway's id; raise on failure."""


OUTBOX_REFERENCE = "outbox"


class OutboxBackend:
    """The outbox table is the delivery: a downstream SMS operator reads the committed rows
    (status "sent", reference "outbox"); after commit the message also goes to the log."""

    delivered_by_commit = True

    def send(self, *, phone: str, text: str) -> str:
        masked = phone[:4] + "***" + phone[-2:] if len(phone) > 6 else "***"
        log.info("sms to %s: %s", masked, text)
        return OUTBOX_REFERENCE


class HttpGatewayBackend:
    delivered_by_commit = False

    def send(self, *, phone: str, text: str) -> str:
        body = json.dumps(
            {"to": phone, "from": settings.KUWWA_SMS_SENDER, "text": text}, ensure_ascii=False
        ).encode("utf-8")
        request = urllib.request.Request(  # noqa: S310 - the URL is the operator's setting
            settings.KUWWA_SMS_HTTP_URL,
            data=body,
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "Authorization": f"Bearer {settings.KUWWA_SMS_HTTP_TOKEN}",
            },
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.read(200).decode("utf-8", "replace") or "sent"


def sms_backend() -> SmsBackend:
    if settings.KUWWA_SMS_BACKEND == "http":
        return HttpGatewayBackend()
    return OutboxBackend()


def sms_dispatch(message_id: int, message: SmsMessage | None = None) -> None:
    """Send one queued message and record the outcome (never raises)."""
    if message is None:
        message = SmsMessage.objects.filter(pk=message_id).first()
    if message is None or message.status == SmsMessage.Status.SENT:
        return
    try:
        reference = sms_backend().send(phone=message.phone, text=message.text)
    except Exception as exc:  # a gateway failure must not break the payment that queued it
        log.warning("sms %s failed: %s", message_id, exc)
        SmsMessage.objects.filter(pk=message_id).update(
            status=SmsMessage.Status.FAILED, attempts=message.attempts + 1, error=str(exc)[:300]
        )
        return
    SmsMessage.objects.filter(pk=message_id).update(
        status=SmsMessage.Status.SENT, attempts=message.attempts + 1, reference=reference[:100]
    )


def sms_queue(*, company_id: int, phone: str, text: str) -> SmsMessage | None:
    """Queue a message in the current transaction; it is sent only if the transaction commits."""
    phone = phone.strip()
    if not phone:
        return None
    message = SmsMessage.objects.create(
        company_id=company_id, phone=phone, text=text[:480], **sms_initial_state()
    )
    sms_after_commit(message)
    return message


def sms_initial_state() -> dict[str, Any]:
    """How a new message is stored: already delivered with the outbox, else queued."""
    if sms_backend().delivered_by_commit:
        return {"status": SmsMessage.Status.SENT, "attempts": 1, "reference": OUTBOX_REFERENCE}
    return {"status": SmsMessage.Status.QUEUED, "attempts": 0, "reference": ""}


def sms_after_commit(message: SmsMessage) -> None:
    """Once the caller's transaction commits, the outbox logs the message (its row is the
    delivery: no second write per message). A gateway's message waits, queued, for the
    sender (`sms_send_queued`)."""
    backend = sms_backend()
    if backend.delivered_by_commit:
        transaction.on_commit(lambda: backend.send(phone=message.phone, text=message.text))


def sms_send_queued(*, limit: int = 100) -> int:
    """Send up to `limit` committed queued messages, oldest first; how many were taken."""
    return _send_each(SmsMessage.objects.filter(status=SmsMessage.Status.QUEUED), limit)


def sms_resend_failed(*, max_attempts: int = 10, limit: int = 1000) -> int:
    """Send again the messages whose sending failed, fewer than `max_attempts` times."""
    failed = SmsMessage.objects.filter(status=SmsMessage.Status.FAILED, attempts__lt=max_attempts)
    return _send_each(failed, limit)


def _send_each(messages: QuerySet[SmsMessage], limit: int) -> int:
    """Send the messages one at a time, each in its own transaction with its row locked
    (skipped by other senders) while the gateway is called: two senders never send one
    message, and a sender that dies leaves it for the next. A pass sees each row once."""
    taken, after = 0, 0
    while taken < limit:
        with transaction.atomic():
            message = worker_rows(messages.filter(pk__gt=after).order_by("pk")).first()
            if message is None:
                return taken
            sms_dispatch(message.pk, message)
        after = message.pk
        taken += 1
    return taken
