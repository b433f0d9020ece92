"""Bills as documents (HTML, 80 mm, PDF) and the bill QR payload a counter scanner types."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pypdf import PdfReader

from kuwwa.billing.documents import (
    BillDocument,
    BillLineDoc,
    Paper,
    bill_html,
    bill_pdf,
    bill_thermal_html,
)
from kuwwa.billing.qr import BillQr, bill_qr_parse, bill_qr_text
from kuwwa.core.digits import to_arabic_digits
from kuwwa.core.errors import ValidationFailed
from kuwwa.core.ids import account_number_build
from kuwwa.core.money import MAX_MINOR
from kuwwa.core.pdf import FONT_POSTSCRIPT_NAMES
from kuwwa.core.qr import qr_data_uri
from tests.core.test_pdf import embedded_fonts

ACCOUNT = account_number_build(company_code="01", local_number=12345).compact  # 010001234568
BILL_NUMBER = "012026060000123"


def sample(**changes: Any) -> BillDocument:
    doc = BillDocument(
        company_name_ar="الشركة العامة لكهرباء دمشق",
        company_name_en="Damascus Electricity Company",
        company_code="01",
        account_number=ACCOUNT,
        holder_name="محمد علي الحسن",
        address="دمشق، المزة، شارع الجلاء",
        category_label="Household",
        bill_number=BILL_NUMBER,
        cycle_label="2026-06",
        period_start=dt.date(2026, 5, 1),
        period_end=dt.date(2026, 6, 30),
        issue_date=dt.date(2026, 7, 3),
        due_date=dt.date(2026, 7, 31),
        previous_reading=45210,
        current_reading=46110,
        consumption_kwh=900,
        estimated=False,
        lines=(
            BillLineDoc("الشريحة الأولى", "Band 1", 600, Decimal("10"), 600_000),
            BillLineDoc("الشريحة الثانية", "Band 2", 300, Decimal("100"), 3_000_000),
            BillLineDoc("أجرة العداد", "Meter rent", None, None, 50_000),
        ),
        total=3_650_000,
        previous_balance=1_250_000,
        credit=100_000,
        amount_due=4_800_000,
        status_label="Unpaid",
    )
    return dataclasses.replace(doc, **changes)


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


@pytest.fixture(scope="module")
def arabic_pdf() -> bytes:
    return bill_pdf(sample(), language="ar")


@pytest.fixture(scope="module")
def english_pdf() -> bytes:
    return bill_pdf(sample(), language="en")


# ---- PDF ----------------------------------------------------------------------------------


def test_arabic_pdf_has_shaped_words_in_logical_order(arabic_pdf: bytes) -> None:
    assert arabic_pdf.startswith(b"%PDF-")
    text = pdf_text(arabic_pdf)
    assert "محمد علي الحسن" in text
    for word in ("الشركة", "العامة", "لكهرباء", "دمشق", "المؤسسة", "لتوزيع", "الكهرباء"):
        assert word in text
    # Line labels: pypdf may interleave a label with the digits of its own row, so a label
    # is checked where no digits follow it on the line (a fixed charge).
    assert "الشريحة" in text and "أجرة العداد" in text
    assert "ل.س" in text


def test_pdfs_embed_only_the_vendored_font(arabic_pdf: bytes, english_pdf: bytes) -> None:
    for pdf in (arabic_pdf, english_pdf):
        fonts = embedded_fonts(pdf)
        assert all(name.startswith("Kuwwa-") for name in fonts), fonts
        assert set(fonts.values()) <= FONT_POSTSCRIPT_NAMES
        assert {"NotoSansArabic-Regular", "NotoSansArabic-Bold"} <= set(fonts.values())


def test_english_pdf_labels_and_latin_amounts(english_pdf: bytes) -> None:
    text = pdf_text(english_pdf)
    for expected in (
        "Electricity bill",
        "Amount due",
        "SYP 48,000",
        "SYP 36,500",
        "Damascus Electricity Company",
        "01-00012345-",
        "31 Jul 2026",
        "Band 1",
        "Public Establishment for Electricity Distribution",
        "محمد علي الحسن",
    ):
        assert expected in text, expected


def test_eight_lines_and_the_estimated_mark_fit_one_page_of_a5_or_a4() -> None:
    many_lines = tuple(
        BillLineDoc(f"الشريحة {i}", f"Band {i}", 100, Decimal("25.5"), 255_000) for i in range(8)
    )
    sizes: tuple[tuple[Paper, tuple[int, int]], ...] = (("A5", (420, 595)), ("A4", (595, 842)))
    for paper, size in sizes:
        pdf = bill_pdf(sample(lines=many_lines, estimated=True), language="ar", paper=paper)
        pages = PdfReader(io.BytesIO(pdf)).pages
        assert len(pages) == 1
        box = pages[0].mediabox
        assert (round(float(box.width)), round(float(box.height))) == size


# ---- HTML ---------------------------------------------------------------------------------


@pytest.mark.parametrize("render", [bill_html, bill_thermal_html])
def test_html_direction_follows_the_language(render: Any) -> None:
    arabic = render(sample(), language="ar")
    english = render(sample(), language="en")
    assert '<html lang="ar" dir="rtl">' in arabic
    assert '<html lang="en" dir="ltr">' in english
    for html in (arabic, english):
        assert "http://" not in html and "https://" not in html
        assert 'href="/static/kuwwa/print.css"' in html
        assert qr_data_uri(sample().qr_text) in html


def test_thermal_slip_is_72_mm_with_a_big_amount_due() -> None:
    html = bill_thermal_html(sample(), language="en")
    assert 'class="doc thermal"' in html
    assert '<div class="due-amount">SYP 48,000</div>' in html


def test_arabic_view_uses_arabic_indic_digits() -> None:
    html = bill_html(sample(), language="ar")
    assert "٤٨٬٠٠٠ ل.س" in html
    assert "٣١/٠٧/٢٠٢٦" in html
    assert "٤٦١١٠" in html  # current reading
    english = bill_html(sample(), language="en")
    assert "31 Jul 2026" in english and "46110" in english and "٤" not in english.split("<body")[1]


def test_account_number_is_formatted_and_kept_left_to_right() -> None:
    html = bill_html(sample(), language="en")
    lrm = "\u200e"
    grouped = f"{ACCOUNT[:2]}{lrm}-{lrm}{ACCOUNT[2:10]}{lrm}-{lrm}{ACCOUNT[10:]}"
    assert grouped in html


def test_estimated_reading_is_marked_only_when_estimated() -> None:
    assert "Estimated reading" in bill_html(sample(estimated=True), language="en")
    assert "Estimated reading" in bill_thermal_html(sample(estimated=True), language="en")
    assert 'class="estimated"' in bill_html(sample(estimated=True), language="ar")
    assert "Estimated reading" not in bill_html(sample(), language="en")


def test_credit_reads_as_a_deduction_and_prices_keep_their_precision() -> None:
    doc = sample(lines=(BillLineDoc("شريحة", "Band", 8, Decimal("0.125"), 100),))
    english = bill_html(doc, language="en")
    assert "SYP -1,000" in english
    assert ">0.125<" in english
    assert ">٠٫١٢٥<" in bill_html(doc, language="ar")


def test_subscriber_text_is_escaped() -> None:
    html = bill_html(sample(holder_name="<script>x</script>"), language="ar")
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_document_refuses_float_money_and_unprintable_bills() -> None:
    with pytest.raises(TypeError):
        sample(total=36500.0)
    with pytest.raises(TypeError):
        sample(lines=(BillLineDoc("x", "x", None, None, 1.5),))  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        sample(amount_due=-1)
    with pytest.raises(ValueError):
        sample(account_number="010000012399")  # wrong check digits


# ---- QR payload ---------------------------------------------------------------------------


def test_qr_text_is_digits_and_stars() -> None:
    text = bill_qr_text(account_number=ACCOUNT, bill_number=BILL_NUMBER, amount_minor=4_800_000)
    assert text == f"{ACCOUNT}*{BILL_NUMBER}*4800000"
    assert set(text) <= set("0123456789*")
    assert sample().qr_text == text


def test_qr_parse_accepts_what_scanners_and_people_send() -> None:
    expected = BillQr(account_number=ACCOUNT, bill_number=BILL_NUMBER, amount_minor=4_800_000)
    text = f"{ACCOUNT}*{BILL_NUMBER}*4800000"
    assert bill_qr_parse(text) == expected
    assert bill_qr_parse(text + "\r\n") == expected  # the scanner's Enter
    assert bill_qr_parse(to_arabic_digits(text)) == expected
    persian = text.translate({ord(str(i)): c for i, c in enumerate("۰۱۲۳۴۵۶۷۸۹")})
    assert bill_qr_parse(persian) == expected
    assert bill_qr_parse(text.replace("*", "\u200e*\u200e")) == expected  # copied from a page


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty"),
        ("   ", "empty"),
        (f"{ACCOUNT}*{BILL_NUMBER}", "parts"),
        (f"{ACCOUNT}*{BILL_NUMBER}*100*1", "parts"),
        (f"{ACCOUNT}+{BILL_NUMBER}+100", "parts"),
        (f"{ACCOUNT[:-1]}*{BILL_NUMBER}*100", "account"),
        (f"01000001234A*{BILL_NUMBER}*100", "account"),
        (f"{ACCOUNT[:-2]}{(int(ACCOUNT[-2:]) + 1) % 100:02d}*{BILL_NUMBER}*100", "check_digits"),
        (f"{ACCOUNT[:6]}{ACCOUNT[7]}{ACCOUNT[6]}{ACCOUNT[8:]}*{BILL_NUMBER}*100", "check_digits"),
        (f"{ACCOUNT}*1234567*100", "bill_number"),
        (f"{ACCOUNT}*{'1' * 21}*100", "bill_number"),
        (f"{ACCOUNT}*01202606000012B*100", "bill_number"),
        (f"{ACCOUNT}*{BILL_NUMBER}*", "amount"),
        (f"{ACCOUNT}*{BILL_NUMBER}*-100", "amount"),
        (f"{ACCOUNT}*{BILL_NUMBER}*12.50", "amount"),
        (f"{ACCOUNT}*{BILL_NUMBER}*{MAX_MINOR + 1}", "amount"),
        (f"{ACCOUNT}*{BILL_NUMBER}*１٢３", "amount"),  # full-width digits are not typed
    ],
)
def test_qr_parse_refuses_bad_payloads(text: str, reason: str) -> None:
    with pytest.raises(ValidationFailed) as info:
        bill_qr_parse(text)
    assert info.value.params["reason"] == reason
    assert info.value.code == "VALIDATION_FAILED"
    assert str(info.value)


def test_qr_text_refuses_what_parse_would_refuse() -> None:
    with pytest.raises(ValueError):
        bill_qr_text(account_number="010000012399", bill_number=BILL_NUMBER, amount_minor=1)
    with pytest.raises(ValueError):
        bill_qr_text(account_number=ACCOUNT, bill_number="1234567", amount_minor=1)
    with pytest.raises(ValueError):
        bill_qr_text(account_number=ACCOUNT, bill_number=BILL_NUMBER, amount_minor=-1)
    with pytest.raises(TypeError):
        bill_qr_text(account_number=ACCOUNT, bill_number=BILL_NUMBER, amount_minor=1.0)  # type: ignore[arg-type]


@given(
    company=st.integers(min_value=1, max_value=14),
    local=st.integers(min_value=1, max_value=99_999_999),
    bill=st.text(alphabet="0123456789", min_size=8, max_size=20),
    amount=st.integers(min_value=0, max_value=MAX_MINOR),
    arabic=st.booleans(),
)
def test_qr_round_trip(company: int, local: int, bill: str, amount: int, arabic: bool) -> None:
    account = account_number_build(company_code=f"{company:02d}", local_number=local).compact
    text = bill_qr_text(account_number=account, bill_number=bill, amount_minor=amount)
    scanned = to_arabic_digits(text) if arabic else text
    assert bill_qr_parse(scanned) == BillQr(
        account_number=account, bill_number=bill, amount_minor=amount
    )
