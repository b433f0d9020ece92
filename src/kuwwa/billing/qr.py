"""The text inside a bill's QR code: ACCOUNT*BILL*AMOUNT, digits and '*' only.

A counter's USB scanner types the code like a keyboard, often while an Arabic layout is active.
Digits and '*' are typed identically on the Arabic and Latin layouts (and Arabic-Indic or
Persian digits that some setups produce are accepted), so the same scan works on every
counter. The account number keeps its mod 97 check digits, so a misread is caught. The exact
format is in docs/documents.md.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from kuwwa.core.digits import to_latin_digits
from kuwwa.core.errors import ValidationFailed
from kuwwa.core.ids import ACCOUNT_NUMBER_LENGTH, mod97_is_valid
from kuwwa.core.money import MAX_MINOR

SEPARATOR = "*"
# Direction marks a copy from a printed page may carry; dropped before reading.
_MARKS = {
    ord(c): None for c in "\u200e\u200f\u061c\u2066\u2067\u2068\u2069\u202a\u202b\u202c\u202d\u202e"
}
BILL_NUMBER_MIN_DIGITS = 8
BILL_NUMBER_MAX_DIGITS = 20
AMOUNT_MAX_DIGITS = len(str(MAX_MINOR))


@dataclass(frozen=True)
class BillQr:
    account_number: str  # 12 digits, compact
    bill_number: str  # digits, leading zeros kept
    amount_minor: int  # the amount due when the bill was printed, in minor units


def _is_digits(text: str) -> bool:
    return text.isascii() and text.isdigit()


def bill_qr_text(*, account_number: str, bill_number: str, amount_minor: int) -> str:
    """The QR payload of a bill; refuses (ValueError) anything bill_qr_parse would refuse."""
    if not (len(account_number) == ACCOUNT_NUMBER_LENGTH and mod97_is_valid(account_number)):
        raise ValueError("account number must be 12 digits with valid check digits")
    if not (
        _is_digits(bill_number)
        and BILL_NUMBER_MIN_DIGITS <= len(bill_number) <= BILL_NUMBER_MAX_DIGITS
    ):
        raise ValueError("bill number must be 8 to 20 digits")
    if not isinstance(amount_minor, int) or isinstance(amount_minor, bool):
        raise TypeError("money is an int of minor units")
    if not 0 <= amount_minor <= MAX_MINOR:
        raise ValueError("amount out of range")
    return SEPARATOR.join((account_number, bill_number, str(amount_minor)))


def bill_qr_parse(text: str) -> BillQr:
    """Read what a scanner typed. Raises ValidationFailed; params["reason"] says what is wrong:
    empty, parts, account, check_digits, bill_number, amount.
    """
    raw = to_latin_digits(text or "").translate(_MARKS).strip()
    if not raw:
        raise ValidationFailed(_("The scanned bill code is empty."), reason="empty")
    parts = raw.split(SEPARATOR)
    if len(parts) != 3:
        raise ValidationFailed(
            _("This is not a bill code: it must have three parts separated by '*'."),
            reason="parts",
        )
    account, bill, amount = (part.strip() for part in parts)
    if not (_is_digits(account) and len(account) == ACCOUNT_NUMBER_LENGTH):
        raise ValidationFailed(
            _("The account number in the bill code must be 12 digits."), reason="account"
        )
    if not mod97_is_valid(account):
        raise ValidationFailed(
            _("The account number in the bill code has wrong check digits; scan again."),
            reason="check_digits",
        )
    if not (_is_digits(bill) and BILL_NUMBER_MIN_DIGITS <= len(bill) <= BILL_NUMBER_MAX_DIGITS):
        raise ValidationFailed(
            _("The bill number in the bill code must be 8 to 20 digits."), reason="bill_number"
        )
    if not (_is_digits(amount) and len(amount) <= AMOUNT_MAX_DIGITS and int(amount) <= MAX_MINOR):
        raise ValidationFailed(_("The amount in the bill code is not valid."), reason="amount")
    return BillQr(account_number=account, bill_number=bill, amount_minor=int(amount))
