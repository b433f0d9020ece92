"""Refusals of the collection service, each with a stable code (the partner API uses them)."""

from __future__ import annotations

from collections.abc import Callable

from django.utils.translation import gettext_lazy as _

from kuwwa.cashiering.errors import NoOpenShift
from kuwwa.core.errors import AccountNotFound, ApplicationError
from kuwwa.core.money import format_amount


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


def payment_refusal(code: str, param: str | None = None) -> ApplicationError:
    """The refusal for a code, in the same words whether the ORM path or the SQL payment path
    (kuwwa_payment_post, which RAISEs the code with the parameter as detail) refused."""
    if code == "AMOUNT_EXACT":
        return AmountNotAllowed(
            _("This company accepts only the exact amount due: %(due)s."),
            due=format_amount(int(param or 0)),
        )
    if code == "AMOUNT_MINIMUM":
        return AmountNotAllowed(
            _("This company accepts at least %(least)s per payment."),
            least=format_amount(int(param or 0)),
        )
    simple: dict[str, Callable[[], ApplicationError]] = {
        "ACCOUNT_NOT_FOUND": AccountNotFound,
        "ACCOUNT_CLOSED": AccountClosed,
        "BILL_NOT_FOUND": BillNotFound,
        "BILL_CANCELLED": lambda: BillNotFound(_("This bill was cancelled.")),
        "BILL_ALREADY_PAID": BillAlreadyPaid,
        "NOTHING_DUE": lambda: NothingDue(
            _("Nothing is due on this account; to pay in advance, pay to credit.")
        ),
        "SHIFT_CLOSED": lambda: NoOpenShift(
            _("This shift is closed: open a new shift to take payments.")
        ),
        "SHIFT_OTHER": lambda: NoOpenShift(_("This shift belongs to another cashier or center.")),
    }
    return simple[code]()
