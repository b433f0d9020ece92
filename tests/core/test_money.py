"""Money is exact integer minor units; parsing and formatting in Arabic and English."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kuwwa.core.errors import InvalidAmount
from kuwwa.core.money import MAX_MINOR, format_amount, parse_amount, round_to_minor


def test_format_arabic_and_english() -> None:
    assert format_amount(1_234_500, language="ar") == "١٢٬٣٤٥ ل.س"
    assert format_amount(1_234_500, language="en") == "SYP 12,345"
    assert format_amount(1_234_550, language="en") == "SYP 12,345.50"
    assert format_amount(-100, language="en") == "SYP -1"


def test_parse_what_people_type() -> None:
    assert parse_amount("١٢٬٣٤٥") == 1_234_500
    assert parse_amount("12,345.50") == 1_234_550
    assert parse_amount("۱۲۳۴۵") == 1_234_500
    assert parse_amount("12345 ل.س") == 1_234_500
    assert parse_amount("١٢٫٥") == 1250


@pytest.mark.parametrize("text", ["", "  ", "-5", "abc", "1.2.3", "1.001", "9" * 20, "."])
def test_parse_refuses_bad_input(text: str) -> None:
    with pytest.raises(InvalidAmount):
        parse_amount(text)


def test_format_refuses_floats() -> None:
    with pytest.raises(TypeError):
        format_amount(12.5)  # type: ignore[arg-type]


@given(st.integers(min_value=0, max_value=MAX_MINOR))
def test_english_format_parses_back_exactly(minor: int) -> None:
    assert parse_amount(format_amount(minor, language="en", symbol=False)) == minor


@given(st.integers(min_value=0, max_value=MAX_MINOR))
def test_arabic_format_parses_back_exactly(minor: int) -> None:
    assert parse_amount(format_amount(minor, language="ar")) == minor


def test_rounding_is_half_up_once() -> None:
    assert round_to_minor(Decimal("0.005")) == 1
    assert round_to_minor(Decimal("0.004")) == 0
    assert round_to_minor(Decimal("600") * 300) == 18_000_000
