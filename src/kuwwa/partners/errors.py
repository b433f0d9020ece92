"""Refusals of the partner API, each with a stable code (docs/partner-api.md lists them all).

`headers` are added to the HTTP response by the API's error handler (Retry-After).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from kuwwa.core.errors import ApplicationError


class PartnerApiError(ApplicationError):
    def __init__(
        self, message: Any = None, *, headers: dict[str, str] | None = None, **params: Any
    ) -> None:
        super().__init__(message, **params)
        self.headers: dict[str, str] = dict(headers or {})


class AuthenticationRequired(PartnerApiError):
    code = "AUTHENTICATION_REQUIRED"
    http_status = 401
    default_message = _(
        "Sign the request: X-Kuwwa-Key, X-Kuwwa-Timestamp, X-Kuwwa-Nonce and "
        "X-Kuwwa-Signature are required."
    )


class KeyUnknown(PartnerApiError):
    code = "KEY_UNKNOWN"
    http_status = 401
    default_message = _("This API key is unknown or has been revoked.")


class SignatureInvalid(PartnerApiError):
    code = "SIGNATURE_INVALID"
    http_status = 401
    default_message = _("The request signature does not match.")


class TimestampOutOfRange(PartnerApiError):
    code = "TIMESTAMP_OUT_OF_RANGE"
    http_status = 401
    default_message = _(
        "The request time is more than 5 minutes away from the server's time; check your clock."
    )


class NonceReused(PartnerApiError):
    code = "NONCE_REUSED"
    http_status = 401
    default_message = _("This nonce was already used: every request needs a new one.")


class RateLimited(PartnerApiError):
    code = "RATE_LIMITED"
    http_status = 429
    default_message = _("Too many requests: wait and try again.")


class PayloadTooLarge(PartnerApiError):
    code = "PAYLOAD_TOO_LARGE"
    http_status = 413
    default_message = _("The request body is too large.")


class RequestInFlight(PartnerApiError):
    code = "REQUEST_IN_FLIGHT"
    http_status = 409
    default_message = _(
        "A request with this Idempotency-Key is still being processed: retry in a moment."
    )


class IdempotencyKeyInvalid(PartnerApiError):
    code = "IDEMPOTENCY_KEY_INVALID"
    http_status = 400
    default_message = _(
        "The Idempotency-Key header is required: 1 to 48 characters, letters, digits and - _ . :"
    )


class PaymentNotFound(PartnerApiError):
    code = "PAYMENT_NOT_FOUND"
    http_status = 404
    default_message = _("You have no payment with this reference.")


class ReconciliationNotFound(PartnerApiError):
    code = "RECONCILIATION_NOT_FOUND"
    http_status = 404
    default_message = _("You have no reconciliation with this id.")


class ChannelUnavailable(PartnerApiError):
    code = "CHANNEL_UNAVAILABLE"
    http_status = 403
    default_message = _("Your collection channel is not set up or not active; contact Kuwwa.")


class UnsupportedMediaType(PartnerApiError):
    code = "UNSUPPORTED_MEDIA_TYPE"
    http_status = 415
    default_message = _("Send the list as text/csv or application/json.")
