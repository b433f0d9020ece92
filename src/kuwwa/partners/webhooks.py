"""Webhooks to partners: a durable outbox, signed deliveries, exponential backoff.

A notification is a WebhookDelivery row written in the transaction of its cause (a reversal,
a settlement), so it exists if and only if the cause committed. `kuwwa webhooks-send`
delivers what is due: it leases a row (moves its next attempt ahead) in a short transaction,
posts outside any transaction, then records the outcome. A worker that dies mid-send leaves
a lease that expires, so delivery is at least once: partners de-duplicate by event id.

Each POST carries X-Kuwwa-Event-Id, X-Kuwwa-Event, X-Kuwwa-Timestamp and X-Kuwwa-Signature =
hex HMAC-SHA256(webhook secret, TIMESTAMP \\n EVENT_ID \\n hex(SHA-256(body))).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import secrets
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone

from kuwwa.collection.models import Payment
from kuwwa.core.audit import audit_record
from kuwwa.core.outboxcommand import worker_rows
from kuwwa.organizations.models import ESTABLISHMENT_CODE, Partner
from kuwwa.partners import crypto
from kuwwa.partners.keys import establishment, webhook_context
from kuwwa.partners.models import WebhookDelivery, WebhookEndpoint
from kuwwa.partners.signing import sign_webhook

log = logging.getLogger("kuwwa.partners.webhooks")

BACKOFF_BASE = dt.timedelta(seconds=30)
BACKOFF_CAP = dt.timedelta(hours=6)
MAX_ATTEMPTS = 16  # 30 s, 1, 2, 4 … min, then every 6 h: about a day and a half in all
LEASE = dt.timedelta(minutes=5)
TIMEOUT_SECONDS = 10

# (url, body, headers) → HTTP status; raises on a network failure.
Sender = Callable[[str, bytes, dict[str, str]], int]


def backoff(attempts: int) -> dt.timedelta:
    """Delay before the next attempt after `attempts` failed ones: 30 s doubling, capped."""
    return min(BACKOFF_BASE * (2 ** max(attempts - 1, 0)), BACKOFF_CAP)


@dataclass(frozen=True)
class NewEndpoint:
    endpoint: WebhookEndpoint
    secret: str  # shown once


@transaction.atomic
def webhook_endpoint_set(*, actor: Any, partner: Partner, url: str) -> NewEndpoint:
    """Set the partner's webhook URL with a new secret (shown once; the old one stops)."""
    secret = "whsec_" + secrets.token_urlsafe(32)
    encrypted = crypto.encrypt(secret, context=webhook_context(partner.pk))
    endpoint, _created = WebhookEndpoint.objects.update_or_create(
        company=establishment(),
        partner=partner,
        defaults={"url": url, "secret_encrypted": encrypted, "is_active": True},
    )
    audit_record(
        company=endpoint.company_id,
        actor=actor if getattr(actor, "pk", None) else None,
        action="partnerwebhook.set",
        obj=endpoint,
        data={"partner": partner.code, "url": url},
    )
    return NewEndpoint(endpoint=endpoint, secret=secret)


def webhook_secret(endpoint: WebhookEndpoint) -> str:
    return crypto.decrypt(endpoint.secret_encrypted, context=webhook_context(endpoint.partner_id))


def webhook_enqueue(
    *, partner: Partner | int, event: str, data: dict[str, Any]
) -> WebhookDelivery | None:
    """Queue a notification in the caller's transaction; None when the partner has none."""
    partner_id = partner if isinstance(partner, int) else partner.pk
    endpoint = WebhookEndpoint.objects.filter(
        company__code=ESTABLISHMENT_CODE, partner_id=partner_id, is_active=True
    ).first()
    if endpoint is None:
        return None
    now = timezone.now()
    event_id = uuid.uuid4().hex
    return WebhookDelivery.objects.create(
        company_id=endpoint.company_id,
        partner_id=partner_id,
        endpoint=endpoint,
        event_id=event_id,
        event=event,
        payload={
            "id": event_id,
            "event": event,
            "created_at": now.isoformat(),
            "data": data,
        },
        next_attempt_at=now,
    )


def partner_notify_settled(run: Any) -> int:
    """Tell each partner with a webhook that a business day is settled, with its totals.

    To be called by the settlement service inside the transaction that settles the day
    (`run` is the SettlementRun), so the notifications exist only if the settlement does.
    Returns how many were queued.
    """
    day = run.business_date
    rows = (
        Payment.objects.filter(business_date=day, partner__isnull=False)
        .values("partner_id")
        .annotate(
            payments=Count("id", filter=Q(status=Payment.Status.POSTED)),
            amount=Sum("amount", filter=Q(status=Payment.Status.POSTED)),
            reversed=Count("id", filter=Q(status=Payment.Status.REVERSED)),
        )
    )
    totals = {r["partner_id"]: r for r in rows}
    queued = 0
    endpoints = WebhookEndpoint.objects.filter(company__code=ESTABLISHMENT_CODE, is_active=True)
    for endpoint in endpoints.order_by("partner_id"):
        row = totals.get(endpoint.partner_id, {})
        data = {
            "business_date": day.isoformat(),
            "payments": row.get("payments") or 0,
            "amount": int(row.get("amount") or 0),
            "reversed": row.get("reversed") or 0,
        }
        if webhook_enqueue(partner=endpoint.partner_id, event="payments.settled", data=data):
            queued += 1
    return queued


def http_send(url: str, body: bytes, headers: dict[str, str]) -> int:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def _lease(now: dt.datetime, limit: int) -> list[WebhookDelivery]:
    """Take due deliveries for this worker: push their next attempt past the lease."""
    with transaction.atomic():
        qs = WebhookDelivery.objects.filter(
            company__code=ESTABLISHMENT_CODE,
            state=WebhookDelivery.State.PENDING,
            next_attempt_at__lte=now,
        ).order_by("next_attempt_at", "pk")
        due = list(worker_rows(qs).select_related("endpoint")[:limit])
        WebhookDelivery.objects.filter(pk__in=[d.pk for d in due]).update(
            next_attempt_at=now + LEASE
        )
    return due


def _deliver(delivery: WebhookDelivery, send: Sender, now: dt.datetime) -> bool:
    body = json.dumps(delivery.payload, ensure_ascii=False, separators=(",", ":")).encode()
    stamp = str(int(now.timestamp()))
    status: int | None = None
    error = ""
    try:
        signature = sign_webhook(
            secret=webhook_secret(delivery.endpoint),
            timestamp=stamp,
            event_id=delivery.event_id,
            body=body,
        )
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "Kuwwa-Webhooks/1",
            "X-Kuwwa-Event-Id": delivery.event_id,
            "X-Kuwwa-Event": delivery.event,
            "X-Kuwwa-Timestamp": stamp,
            "X-Kuwwa-Signature": signature,
        }
        status = send(delivery.endpoint.url, body, headers)
        ok = 200 <= status < 300
        if not ok:
            error = f"HTTP {status}"
    except Exception as exc:  # the partner's server is not ours: any failure is retried
        ok, error = False, f"{type(exc).__name__}: {exc}"[:300]
    attempts = delivery.attempts + 1
    if ok:
        fields: dict[str, Any] = {"state": WebhookDelivery.State.DELIVERED, "delivered_at": now}
    elif attempts >= MAX_ATTEMPTS or not delivery.endpoint.is_active:
        fields = {"state": WebhookDelivery.State.FAILED}
    else:
        fields = {"next_attempt_at": now + backoff(attempts)}
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        attempts=attempts, last_status=status, last_error=error, **fields
    )
    if not ok:
        log.warning("webhook %s to %s failed: %s", delivery.event_id, delivery.partner_id, error)
    return ok


@dataclass(frozen=True)
class SendReport:
    delivered: int
    failed: int


def webhooks_send_due(
    *, now: dt.datetime | None = None, limit: int = 100, send: Sender | None = None
) -> SendReport:
    """Deliver what is due now (one pass); failures are rescheduled with backoff."""
    now = now or timezone.now()
    delivered = failed = 0
    for delivery in _lease(now, limit):
        if _deliver(delivery, send or http_send, now):
            delivered += 1
        else:
            failed += 1
    return SendReport(delivered=delivered, failed=failed)


def webhook_retry(*, delivery: WebhookDelivery) -> None:
    """Put a given-up delivery back in the queue now (back office action)."""
    WebhookDelivery.objects.filter(pk=delivery.pk).exclude(
        state=WebhookDelivery.State.DELIVERED
    ).update(state=WebhookDelivery.State.PENDING, next_attempt_at=timezone.now())
