"""Numbers for people, in the digits the user chose (Arabic-Indic or Latin).

The choice is a cookie set by the toggle in the back-office header; without it the digits
follow the page language. Money goes through kuwwa.core.money.format_amount (its Arabic form
has Arabic-Indic digits, its English form Latin ones); everything else through
kuwwa.core.digits.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import get_language

from kuwwa.core.digits import to_arabic_digits
from kuwwa.core.money import format_amount

Digits = Literal["arabic", "latin"]
DIGITS_COOKIE = "kuwwa_digits"
DIGITS_CHOICES: tuple[Digits, ...] = ("arabic", "latin")


def digits_preference(request: HttpRequest) -> Digits:
    value = request.COOKIES.get(DIGITS_COOKIE)
    if value == "latin":
        return "latin"
    if value == "arabic":
        return "arabic"
    return "arabic" if (get_language() or "ar").startswith("ar") else "latin"


def digits(text: str, pref: Digits) -> str:
    return to_arabic_digits(text) if pref == "arabic" else text


def fmt_count(value: int | None, pref: Digits) -> str:
    if value is None:
        return "—"
    text = f"{int(value):,}"
    return digits(text.replace(",", "٬"), pref) if pref == "arabic" else text


def fmt_money(minor: int | None, pref: Digits, *, symbol: bool = False) -> str:
    if minor is None:
        return "—"
    return format_amount(int(minor), language="ar" if pref == "arabic" else "en", symbol=symbol)


def fmt_signed_money(minor: int | None, pref: Digits) -> str:
    """Over/short: a plus sign for over; format_amount's minus for short."""
    text = fmt_money(minor, pref)
    return f"+{text}" if minor and minor > 0 else text


def fmt_decimal(value: Decimal | None, pref: Digits) -> str:
    if value is None:
        return "—"
    text = format(value, "f")
    return digits(text.replace(".", "٫"), pref) if pref == "arabic" else text


def fmt_percent(value: Decimal | None, pref: Digits) -> str:
    if value is None:
        return "—"
    return fmt_decimal(value, pref) + ("٪" if pref == "arabic" else "%")


def fmt_date(value: dt.date | None, pref: Digits) -> str:
    """Day first, as written in Syria."""
    if value is None:
        return "—"
    return digits(f"{value.day:02d}/{value.month:02d}/{value.year}", pref)


def fmt_moment(value: dt.datetime | None, pref: Digits) -> str:
    """Local (Asia/Damascus) date and time, day first."""
    if value is None:
        return "—"
    local = timezone.localtime(value)
    return digits(f"{local.day:02d}/{local.month:02d}/{local.year} {local:%H:%M}", pref)


def fmt_cell(value: Any, kind: str, pref: Digits) -> str:
    if value is None:
        return "—"
    if kind == "count":
        return fmt_count(value, pref)
    if kind == "money":
        return fmt_money(value, pref)
    if kind == "signed_money":
        return fmt_signed_money(value, pref)
    if kind == "percent":
        return fmt_percent(value, pref)
    if kind == "days":
        return fmt_decimal(value, pref)
    if kind == "date":
        return fmt_date(value, pref)
    if kind == "moment":
        return fmt_moment(value, pref)
    if kind == "code":
        return digits(str(value), pref)
    return str(value)
