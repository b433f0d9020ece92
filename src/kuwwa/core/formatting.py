"""Formatting shared by every printed document (bills, receipts, statements) and page: the
document language, dates as written in Syria, digits, and numbers kept left to right."""

from __future__ import annotations

import datetime as dt

from kuwwa.core.digits import to_arabic_digits

MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def document_language(language: str) -> str:
    """ "ar" for any Arabic language code, else "en"."""
    return "ar" if language[:2].lower() == "ar" else "en"


def keep_ltr(text: str) -> str:
    """Keep a dashed number left to right inside Arabic text (01-00012345-68, not 68-…-01).

    A left-to-right mark on each side of every separator: WeasyPrint ignores unicode-bidi
    and <bdi>, and the isolate characters, but pango and browsers both honour these marks.
    """
    return "".join(c if c.isdigit() else f"\u200e{c}\u200e" for c in text)


def localized_digits(text: str, lang: str) -> str:
    return to_arabic_digits(text) if lang == "ar" else text


def document_date(value: dt.date, lang: str) -> str:
    """Day first, as written in Syria: ٣٠/٠٦/٢٠٢٦ in Arabic, 30 Jun 2026 in English."""
    if lang == "ar":
        return to_arabic_digits(f"{value.day:02d}/{value.month:02d}/{value.year}")
    return f"{value.day} {MONTHS_EN[value.month - 1]} {value.year}"
