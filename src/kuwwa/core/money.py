"""Money: an integer count of the currency's minor unit, never a float (DESIGN.md invariant 1).

This is the one module that parses user input into minor units, rounds computed amounts
(tariff prices are Decimals) and formats amounts for people, in Arabic or English.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.conf import settings
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from kuwwa.core.digits import strip_separators, to_arabic_digits, to_latin_digits
from kuwwa.core.errors import InvalidAmount

# The largest amount any single money field may hold: far below 2**63 so sums stay exact.
MAX_MINOR = 10**15
_ALM = "\u061c"


@dataclass(frozen=True)
class Currency:
    code: str
    exponent: int  # minor units per major unit = 10 ** exponent (ISO 4217)
    symbol_ar: str
    symbol_en: str

    @property
    def factor(self) -> int:
        return 10**self.exponent


CURRENCIES = {
    "SYP": Currency(code="SYP", exponent=2, symbol_ar="ل.س", symbol_en="SYP"),
}


def currency() -> Currency:
    return CURRENCIES[getattr(settings, "KUWWA_CURRENCY", "SYP")]


def round_to_minor(amount_major: Decimal) -> int:
    """Round a computed Decimal amount in major units to minor units, half up (away from 0).

    The single rounding rule of the system: tariff arithmetic is done in Decimal and comes
    through here exactly once per bill line.
    """
    factor = currency().factor
    minor = (Decimal(amount_major) * factor).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return int(minor)


def from_major(amount_major: int | Decimal | str) -> int:
    """An exact major-unit amount (1500 pounds) in minor units; no fraction of a minor unit."""
    value = Decimal(str(amount_major)) * currency().factor
    if value != value.to_integral_value():
        raise InvalidAmount(_("The amount has more decimal places than the currency allows."))
    return int(value)


def parse_amount(text: str | int | Decimal) -> int:
    """Parse what a person typed ("١٢٬٣٤٥", "12,345.50", "12345") into minor units.

    Accepts Arabic-Indic and Persian digits, the Arabic thousands separator (٬), commas and
    spaces as grouping, and the Arabic decimal separator (٫) or a dot. Refuses negatives,
    empty input, more decimals than the currency has, and absurd sizes.
    """
    if (isinstance(text, int) and not isinstance(text, bool)) or isinstance(text, Decimal):
        raw = str(text)
    elif isinstance(text, str):
        raw = text
    else:
        raise InvalidAmount(_("Enter an amount."))
    cleaned = to_latin_digits(raw).strip()
    cleaned = cleaned.replace("٫", ".").replace("٬", "").replace(",", "")
    cleaned = cleaned.replace(" ", "").replace("\u00a0", "").replace("\u202f", "")
    for symbol in ("ل.س", "SYP", "syp", "ل س"):
        cleaned = cleaned.replace(symbol, "")
    if not cleaned:
        raise InvalidAmount(_("Enter an amount."))
    if cleaned.startswith("-"):
        raise InvalidAmount(_("The amount cannot be negative."))
    if not all(c.isdigit() or c == "." for c in cleaned) or cleaned.count(".") > 1:
        raise InvalidAmount(_("Enter the amount in digits only."))
    if cleaned == ".":
        raise InvalidAmount(_("Enter the amount in digits only."))
    try:
        minor = from_major(Decimal(cleaned))
    except InvalidOperation as exc:  # pragma: no cover - guarded above
        raise InvalidAmount(_("Enter the amount in digits only.")) from exc
    if minor > MAX_MINOR:
        raise InvalidAmount(_("The amount is too large."))
    return minor


def _group(digits: str) -> list[str]:
    groups: list[str] = []
    while len(digits) > 3:
        groups.insert(0, digits[-3:])
        digits = digits[:-3]
    groups.insert(0, digits)
    return groups


def format_amount(minor: int, *, language: str | None = None, symbol: bool = True) -> str:
    """Format minor units for people: "١٢٬٣٤٥ ل.س" in Arabic, "SYP 12,345" in English.

    The fraction is shown only when it is not zero, so whole pounds read as people say them.
    """
    if not isinstance(minor, int) or isinstance(minor, bool):
        raise TypeError("money is an int of minor units")
    cur = currency()
    lang = (language or get_language() or "ar")[:2]
    sign = "-" if minor < 0 else ""
    major, fraction = divmod(abs(minor), cur.factor)
    frac_text = f"{fraction:0{cur.exponent}d}" if fraction and cur.exponent else ""
    if lang == "ar":
        number = "٬".join(_group(str(major)))
        if frac_text:
            number += "٫" + frac_text
        number = to_arabic_digits(number)
        # An Arabic letter mark keeps the minus sign on the right side of the number.
        text = (_ALM + "-" if sign else "") + number
        return f"{text} {cur.symbol_ar}" if symbol else text
    number = ",".join(_group(str(major)))
    if frac_text:
        number += "." + frac_text
    text = f"{sign}{number}"
    return f"{cur.symbol_en} {text}" if symbol else text


def to_major_decimal(minor: int) -> Decimal:
    """Minor units as an exact Decimal of major units, for exports (never for arithmetic)."""
    return Decimal(minor).scaleb(-currency().exponent)


def clean_input_number(text: str) -> str:
    """Digits only, from whatever a person typed (used by the id parsers too)."""
    return strip_separators(to_latin_digits(text)).strip()
