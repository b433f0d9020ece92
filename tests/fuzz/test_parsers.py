"""Fuzz the parsers people and scanners feed: national numbers, amounts, dates, cycle codes,
bill QR texts, receipt numbers. Any text gives a value or a clear ApplicationError (with a
message in Arabic and in English), never another exception."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from kuwwa.billing.cycles import cycle_code_parse
from kuwwa.billing.qr import bill_qr_parse
from kuwwa.core.errors import ApplicationError
from kuwwa.core.ids import account_number_parse
from kuwwa.core.money import parse_amount

CODES = frozenset(f"{i:02d}" for i in range(1, 15))
digits = st.text(alphabet="0123456789٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹ -*/.,٫٬", max_size=40)
anything = st.one_of(st.text(max_size=80), digits)

PARSERS: dict[str, Callable[[str], Any]] = {
    "account": lambda text: account_number_parse(text, company_codes=CODES),
    "amount": parse_amount,
    "cycle": cycle_code_parse,
    "bill_qr": bill_qr_parse,
}


def _check(parser: Callable[[str], Any], text: str) -> None:
    try:
        parser(text)
    except ApplicationError as exc:
        with translation.override("ar"):
            arabic = str(exc)
        with translation.override("en"):
            english = str(exc)
        assert arabic.strip() and english.strip()
        assert exc.code


@pytest.mark.parametrize("name", sorted(PARSERS))
@settings(max_examples=300, deadline=None)
@given(text=anything)
def test_parsers_never_fail_unclearly(name: str, text: str) -> None:
    _check(PARSERS[name], text)


@settings(max_examples=200, deadline=None)
@given(text=anything)
def test_receipt_number_lookup_never_fails_unclearly(text: str) -> None:
    from kuwwa.collection.verification import receipt_number_normalise

    try:
        receipt_number_normalise(text)
    except ApplicationError as exc:
        assert str(exc)
