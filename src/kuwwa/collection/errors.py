"""Refusals of the collection service, each with a stable code (the partner API uses them)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from kuwwa.core.errors import ApplicationError


class BillAlreadyPaid(ApplicationError):
    code = "BILL_ALREADY_PAID"
    http_status = 409
    default_message = _("This bill is already paid.")


class BillNotFound(ApplicationError):
    code = "BILL_NOT_FOUND"
    http_status = 404
    default_message = _("No bill of this account has this number.")


class AmountNotAllowed(ApplicationError):
    code = "AMOUNT_NOT_ALLOWED"
    http_status = 422
    default_message = _("This amount cannot be accepted.")


class NothingDue(ApplicationError):
    code = "NOTHING_DUE"
    http_status = 409
    default_message = _("Nothing is due on this account.")


class AccountClosed(ApplicationError):
    code = "ACCOUNT_CLOSED"
    http_status = 409
    default_message = _("This account is closed.")


class IdempotencyKeyReused(ApplicationError):
    code = "IDEMPOTENCY_KEY_REUSED"
    http_status = 422
    default_message = _("This reference was already used for a different payment.")


class ReversalRefused(ApplicationError):
    code = "REVERSAL_REFUSED"
    http_status = 409
    default_message = _("This payment cannot be reversed.")
