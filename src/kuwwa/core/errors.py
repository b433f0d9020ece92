"""The ApplicationError family: every refusal the domain can give, each with a stable code.

The code is machine-readable and never changes (partners and tests rely on it); the message is
translatable and shown to the user in their language. Views and API handlers turn these into
form errors or 4xx responses; nothing else should be raised for bad user input.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class ApplicationError(Exception):
    """Base of all domain refusals. Subclasses set `code` and a default `message`."""

    code: ClassVar[str] = "APPLICATION_ERROR"
    http_status: ClassVar[int] = 400
    default_message: ClassVar[str | Promise] = _("The request could not be completed.")

    def __init__(self, message: str | Promise | None = None, **params: Any) -> None:
        self.message = message if message is not None else self.default_message
        self.params = params
        super().__init__(str(self))

    def __str__(self) -> str:
        text = str(self.message)
        if self.params:
            try:
                return text % self.params
            except (KeyError, TypeError, ValueError):
                return text
        return text

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": str(self), "params": self.params}


class ValidationFailed(ApplicationError):
    code = "VALIDATION_FAILED"
    default_message = _("The data entered is not valid.")


class InvalidAccountNumber(ApplicationError):
    code = "INVALID_ACCOUNT_NUMBER"
    default_message = _("The account number is not valid.")


class AccountNotFound(ApplicationError):
    code = "ACCOUNT_NOT_FOUND"
    http_status = 404
    default_message = _("No account has this number.")


class InvalidAmount(ApplicationError):
    code = "INVALID_AMOUNT"
    default_message = _("The amount is not valid.")


class PermissionDenied(ApplicationError):
    code = "PERMISSION_DENIED"
    http_status = 403
    default_message = _("You are not allowed to do this.")


class NotFound(ApplicationError):
    code = "NOT_FOUND"
    http_status = 404
    default_message = _("Not found.")


class Conflict(ApplicationError):
    code = "CONFLICT"
    http_status = 409
    default_message = _("The request conflicts with the current state.")


class UnbalancedEntry(ApplicationError):
    code = "UNBALANCED_ENTRY"
    default_message = _("The journal entry does not balance.")


class AppendOnly(ApplicationError):
    code = "APPEND_ONLY"
    default_message = _("This record cannot be changed or deleted; post a correction instead.")
