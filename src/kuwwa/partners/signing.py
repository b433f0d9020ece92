"""The request signature of the partner API, and the webhook signature (docs/partner-api.md).

Request: hex HMAC-SHA256(secret, METHOD \\n PATH?QUERY \\n TIMESTAMP \\n NONCE \\n
hex(SHA-256(body))). Hashing the body first keeps the signed text short and lets a client
sign a large upload without holding two copies of it. Webhook: hex HMAC-SHA256(webhook
secret, TIMESTAMP \\n EVENT_ID \\n hex(SHA-256(body))).
"""

from __future__ import annotations

import hashlib
import hmac


def body_hash(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def canonical_request(*, method: str, path: str, timestamp: str, nonce: str, body: bytes) -> str:
    return "\n".join((method.upper(), path, timestamp, nonce, body_hash(body)))


def sign_request(
    *, secret: str, method: str, path: str, timestamp: str, nonce: str, body: bytes
) -> str:
    message = canonical_request(
        method=method, path=path, timestamp=timestamp, nonce=nonce, body=body
    )
    return hmac.new(secret.encode("utf-8"), message.encode("utf-8"), hashlib.sha256).hexdigest()


def sign_webhook(*, secret: str, timestamp: str, event_id: str, body: bytes) -> str:
    message = "\n".join((timestamp, event_id, body_hash(body)))
    return hmac.new(secret.encode("utf-8"), message.encode("utf-8"), hashlib.sha256).hexdigest()


def same(expected: str, given: str) -> bool:
    """Constant-time comparison of two hex signatures (case-insensitive)."""
    return hmac.compare_digest(expected.lower().encode("utf-8"), given.lower().encode("utf-8"))
