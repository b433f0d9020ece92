"""National account numbers: check digits catch typing errors; the parser says what is wrong."""

from __future__ import annotations

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from kuwwa.core.errors import InvalidAccountNumber
from kuwwa.core.ids import (
    ACCOUNT_NUMBER_LENGTH,
    account_number_build,
    account_number_parse,
    mod97_is_valid,
)

CODES = frozenset(f"{i:02d}" for i in range(1, 15))
numbers = st.builds(
    lambda code, local: account_number_build(company_code=code, local_number=local).compact,
    st.sampled_from(sorted(CODES)),
    st.integers(min_value=1, max_value=10**8 - 1),
)


@given(numbers, st.integers(0, ACCOUNT_NUMBER_LENGTH - 1), st.integers(1, 9))
def test_every_single_digit_error_is_caught(number: str, position: int, delta: int) -> None:
    wrong_digit = (int(number[position]) + delta) % 10
    typo = number[:position] + str(wrong_digit) + number[position + 1 :]
    assert mod97_is_valid(number)
    assert not mod97_is_valid(typo)


@given(numbers, st.integers(0, ACCOUNT_NUMBER_LENGTH - 2))
def test_every_adjacent_transposition_is_caught(number: str, position: int) -> None:
    a, b = number[position], number[position + 1]
    if a == b:
        return
    swapped = number[:position] + b + a + number[position + 2 :]
    assert not mod97_is_valid(swapped)


@given(numbers)
def test_valid_numbers_parse_back(number: str) -> None:
    parsed = account_number_parse(number, company_codes=CODES)
    assert parsed.compact == number
    assert parsed.company_code == number[:2]


def test_parser_accepts_arabic_indic_and_persian_digits_spaces_and_dashes() -> None:
    number = account_number_build(company_code="03", local_number=123).compact
    arabic = number.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    persian = number.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    grouped = f" {number[:2]}-{number[2:6]} {number[6:10]}-{number[10:]} "
    for text in (arabic, persian, grouped):
        assert account_number_parse(text, company_codes=CODES).compact == number


def _reason(text: str) -> tuple[str, str, str]:
    with pytest.raises(InvalidAccountNumber) as err:
        account_number_parse(text, company_codes=CODES)
    with translation.override("ar"):
        ar = str(err.value)
    with translation.override("en"):
        en = str(err.value)
    return err.value.params["reason"], ar, en


def test_messages_say_exactly_what_is_wrong_in_arabic_and_english() -> None:
    good = account_number_build(company_code="01", local_number=42).compact
    bad_check = good[:-1] + str((int(good[-1]) + 1) % 10)
    unknown_company = account_number_build(company_code="77", local_number=42).compact
    cases = {
        "": ("empty", "أدخل رقم الحساب", "Enter the account number"),
        "12ab": ("characters", "أرقام فقط", "only digits"),
        good[:-3]: ("length", "9", "9 were entered"),
        unknown_company: ("company", "77", "code 77"),
        bad_check: ("check_digits", "خانتي التحقق", "check digits"),
    }
    for text, (reason, ar_part, en_part) in cases.items():
        got_reason, ar, en = _reason(text)
        assert got_reason == reason, text
        assert en_part in en, en
        assert ar_part in ar, ar
        assert ar != en
