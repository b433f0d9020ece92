"""National account numbers: company code + local number + 2 check digits (ISO 7064 mod 97-10).

The same scheme as IBAN: the check digits make the whole number ≡ 1 (mod 97), which catches
every single mistyped digit and every swap of two adjacent digits, so a cashier's typing error
is caught before it reaches the wrong subscriber. The owning company is the first two digits.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from kuwwa.core.digits import strip_separators, to_latin_digits
from kuwwa.core.errors import InvalidAccountNumber

COMPANY_DIGITS = 2
LOCAL_DIGITS = 8
CHECK_DIGITS = 2
ACCOUNT_NUMBER_LENGTH = COMPANY_DIGITS + LOCAL_DIGITS + CHECK_DIGITS
MAX_LOCAL_NUMBER = 10**LOCAL_DIGITS - 1


def mod97_check_digits(body: str) -> str:
    """The two digits that make `body + digits` ≡ 1 (mod 97)."""
    return f"{98 - (int(body) * 100) % 97:02d}"


def mod97_is_valid(number: str) -> bool:
    return number.isdigit() and int(number) % 97 == 1


@dataclass(frozen=True)
class AccountNumber:
    company_code: str
    local_number: int

    @property
    def body(self) -> str:
        return f"{self.company_code}{self.local_number:0{LOCAL_DIGITS}d}"

    @property
    def compact(self) -> str:
        """The 12 digits as stored and as printed in QR codes."""
        return self.body + mod97_check_digits(self.body)

    @property
    def formatted(self) -> str:
        """Grouped for people: 01-00001234-56."""
        c = self.compact
        return f"{c[:COMPANY_DIGITS]}-{c[COMPANY_DIGITS:-CHECK_DIGITS]}-{c[-CHECK_DIGITS:]}"

    def __str__(self) -> str:
        return self.compact


def account_number_build(*, company_code: str, local_number: int) -> AccountNumber:
    if not (len(company_code) == COMPANY_DIGITS and company_code.isdigit()):
        raise ValueError("company code must be 2 digits")
    if not 0 < local_number <= MAX_LOCAL_NUMBER:
        raise ValueError("local number out of range")
    return AccountNumber(company_code=company_code, local_number=local_number)


def format_account_number(compact: str) -> str:
    if len(compact) != ACCOUNT_NUMBER_LENGTH:
        return compact
    return f"{compact[:2]}-{compact[2:-2]}-{compact[-2:]}"


def account_number_parse(text: str, *, company_codes: frozenset[str] | set[str]) -> AccountNumber:
    """Parse what a cashier typed or a scanner sent, saying exactly what is wrong.

    Accepts Arabic-Indic and Persian digits and the spaces, dashes and slashes people type.
    Raises InvalidAccountNumber with `params["reason"]` one of: empty, characters, length,
    company, check_digits.
    """
    raw = strip_separators(to_latin_digits(text or "")).strip()
    if not raw:
        raise InvalidAccountNumber(_("Enter the account number."), reason="empty")
    if not raw.isdigit():
        raise InvalidAccountNumber(
            _("The account number may contain only digits."), reason="characters"
        )
    if len(raw) != ACCOUNT_NUMBER_LENGTH:
        raise InvalidAccountNumber(
            _("The account number has %(expected)d digits; %(count)d were entered."),
            reason="length",
            expected=ACCOUNT_NUMBER_LENGTH,
            count=len(raw),
        )
    code = raw[:COMPANY_DIGITS]
    if code not in company_codes:
        raise InvalidAccountNumber(
            _("No electricity company has the code %(code)s (the first two digits)."),
            reason="company",
            code=code,
        )
    if not mod97_is_valid(raw):
        raise InvalidAccountNumber(
            _("The check digits do not match: a digit may have been mistyped."),
            reason="check_digits",
        )
    local = int(raw[COMPANY_DIGITS:-CHECK_DIGITS])
    if local == 0:
        raise InvalidAccountNumber(
            _("The check digits do not match: a digit may have been mistyped."),
            reason="check_digits",
        )
    return AccountNumber(company_code=code, local_number=local)
