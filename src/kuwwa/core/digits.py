"""Normalise what a person types: Arabic-Indic and Persian digits, spaces and dashes."""

from __future__ import annotations

_DIGIT_MAP = {ord(c): str(i) for i, c in enumerate("٠١٢٣٤٥٦٧٨٩")}
_DIGIT_MAP.update({ord(c): str(i) for i, c in enumerate("۰۱۲۳۴۵۶۷۸۹")})
_ARABIC_DIGITS = "٠١٢٣٤٥٦٧٨٩"

# Separators a cashier or a scanner may put inside a number.
_SEPARATORS = {
    ord(c): None
    for c in " \t\u00a0\u202f\u2009-\u2010\u2011\u2012\u2013\u2014\u2212_/.\u200f\u200e"
}


def to_latin_digits(text: str) -> str:
    """Arabic-Indic (٠-٩) and Persian (۰-۹) digits become 0-9; everything else is kept."""
    return text.translate(_DIGIT_MAP)


def strip_separators(text: str) -> str:
    """Remove the spaces, dashes and direction marks people put inside long numbers."""
    return text.translate(_SEPARATORS)


def to_arabic_digits(text: str) -> str:
    """0-9 become Arabic-Indic digits, for Arabic display."""
    return text.translate({ord(str(i)): d for i, d in enumerate(_ARABIC_DIGITS)})
