"""Outgoing SMS: queued in the caller's transaction, sent after commit through a backend.

The default backend ("outbox") keeps each message in the SmsMessage table and writes it to the
log, which is what a demo or a machine without a gateway needs. The "http" backend posts to a
real SMS gateway (KUWWA_SMS_HTTP_URL, bearer KUWWA_SMS_HTTP_TOKEN). A message whose sending
failed stays "failed" and `kuwwa sms-retry` sends it again.
"""

from __future__ import annotations

import json
import logging
import urllib.request
from typing import Protocol

from django.conf import settings
from django.db import transaction

from kuwwa.core.models import SmsMessage

log = logging.getLogger("kuwwa.sms")


class SmsBackend(Protocol):
    def send(self, *, phone: str, text: str) -> str:
        """Send one message; return the gateway's id; raise on failure."""


class OutboxBackend:
    def send(self, *, phone: str, text: str) -> str:
        masked = phone[:4] + "***" + phone[-2:] if len(phone) > 6 else "***"
        log.info("sms to %s: %s", masked, text)
        return "outbox"


class HttpGatewayBackend:
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
    message = SmsMessage.objects.create(company_id=company_id, phone=phone, text=text[:480])
    transaction.on_commit(lambda: sms_dispatch(message.pk, message))
    return message
