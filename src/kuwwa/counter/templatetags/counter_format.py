"""Template filters that format money, numbers and times the one way Kuwwa does.

Templates cannot call `format_amount(minor, language=…)`; these filters do, in the active
language, so no counter template formats a number by itself.
"""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils import timezone, translation
from django.utils.html import format_html
from django.utils.safestring import SafeString

from kuwwa.collection.documents import format_moment, format_number
from kuwwa.core.digits import to_arabic_digits
from kuwwa.core.ids import format_account_number
from kuwwa.core.money import currency, format_amount
from kuwwa.organizations.scopes import Scope, scope_of

register = template.Library()


def _lang() -> str:
    return "en" if (translation.get_language() or "ar").startswith("en") else "ar"


@register.filter
def money(minor: int | None) -> str:
    """Minor units → "١٢٬٣٤٥ ل.س" / "SYP 12,345"; None → "—"."""
    if minor is None:
        return "—"
    return format_amount(int(minor), language=_lang())


@register.filter
def signed_money(minor: int | None) -> str:
    """Over/short: a plus sign for over, the minus of format_amount for short."""
    if minor is None:
        return "—"
    text = format_amount(int(minor), language=_lang())
    return f"+{text}" if minor > 0 else text


@register.filter
def num(text: object) -> str:
    """A receipt, bill or cycle number in the language's digits, kept left to right."""
    return format_number(str(text), _lang())


@register.filter
def account(compact: str) -> str:
    """A 12-digit account number shown as 01-00012345-68."""
    return format_number(format_account_number(str(compact)), _lang())


@register.filter
def count(value: int | None) -> str:
    """A plain count (notes, payments) in the language's digits."""
    text = str(int(value or 0))
    return to_arabic_digits(text) if _lang() == "ar" else text


@register.filter
def moment(value: dt.datetime | None) -> str:
    """Damascus local time, day first."""
    return format_moment(value, _lang()) if value else "—"


@register.filter
def day(value: dt.date | None) -> str:
    """A date, day first: ٣١/٠٧/٢٠٢٦ or 31/07/2026."""
    if value is None:
        return "—"
    text = f"{value.day:02d}/{value.month:02d}/{value.year}"
    return to_arabic_digits(text) if _lang() == "ar" else text


@register.filter
def clock(value: dt.datetime | None) -> str:
    """Only the local time of day, HH:MM."""
    if value is None:
        return "—"
    text = timezone.localtime(value).strftime("%H:%M")
    return to_arabic_digits(text) if _lang() == "ar" else text


@register.simple_tag
def money_data() -> SafeString:
    """data-* attributes with which counter.js formats amounts as format_amount does."""
    cur = currency()
    return format_html(
        'data-exponent="{}" data-symbol-ar="{}" data-symbol-en="{}"',
        cur.exponent,
        cur.symbol_ar,
        cur.symbol_en,
    )


@register.simple_tag(takes_context=True)
def counter_scope(context: template.Context) -> Scope:
    """The user's scope, so the menu offers only the screens the user may open."""
    return scope_of(context["request"].user)
