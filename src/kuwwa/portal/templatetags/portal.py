"""Filters that format for the page's language: money, numbers kept left to right, dates."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils import translation

from kuwwa.collection.documents import format_moment, format_number
from kuwwa.core.digits import to_arabic_digits
from kuwwa.core.formatting import document_date as _date
from kuwwa.core.ids import format_account_number
from kuwwa.core.money import format_amount

register = template.Library()


def _lang() -> str:
    return "en" if (translation.get_language() or "ar").startswith("en") else "ar"


@register.filter
def money(minor: int) -> str:
    return format_amount(int(minor), language=_lang())


@register.filter
def num(text: object) -> str:
    """A dashed number (bill, receipt, reference) in the page's digits, left to right."""
    return format_number(str(text), _lang())


@register.filter
def account(compact: str) -> str:
    return format_number(format_account_number(str(compact)), _lang())


@register.filter
def count(value: int) -> str:
    text = f"{int(value):,}"
    return to_arabic_digits(text.replace(",", "٬")) if _lang() == "ar" else text


@register.filter
def day(value: dt.date | dt.datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return format_moment(value, _lang())
    return _date(value, _lang())
