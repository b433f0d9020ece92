"""Receipts as documents: built from real payments, in Arabic and English, PDF and 80 mm."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import itertools

import pytest
from pypdf import PdfReader

from kuwwa.billing.models import Bill
from kuwwa.cashiering.services import shift_open
from kuwwa.collection.documents import (
    ReceiptAllocationDoc,
    receipt_document,
    receipt_html,
    receipt_pdf,
    receipt_thermal_html,
)
from kuwwa.collection.models import Receipt
from kuwwa.collection.services import PaymentRequest, payment_create, payment_reverse
from kuwwa.core.pdf import FONT_POSTSCRIPT_NAMES
from kuwwa.organizations.roles import Role
from tests.core.test_pdf import embedded_fonts

pytestmark = pytest.mark.django_db
_refs = itertools.count(1)


@pytest.fixture
def h4_cashier(make_user):
    return make_user(Role.CASHIER, "01", "0001")


@pytest.fixture
def h4_pay(center, billed_account, h4_cashier):
    """Pay the whole open bill of a new account of `company_code` at center 01/0001."""
    shift = shift_open(actor=h4_cashier, opening_float=0)

    def pay(company_code: str = "03", *, extra: int = 0):
        account = billed_account(company_code)
        bill = Bill.objects.get(account=account)
        request = PaymentRequest(
            account_number=account.number,
            amount=bill.outstanding + extra,
            center=center("01"),
            client_reference=f"h4-doc-{next(_refs)}",
            shift_id=shift.pk,
        )
        return payment_create(actor=h4_cashier, request=request)

    return pay


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_document_from_a_cross_company_payment(h4_pay) -> None:
    result = h4_pay("03", extra=150_000)
    doc = receipt_document(receipt=result.receipt)
    assert doc.number == result.receipt.number
    assert doc.collector_code == "01" and doc.owner_code == "03"
    assert doc.cross_company
    assert doc.amount == result.payment.amount
    assert doc.to_credit == 150_000
    assert len(doc.allocations) == 1
    assert doc.allocations[0].amount == result.payment.amount - 150_000
    assert doc.status == "valid"
    assert doc.cashier == "cashier_01_0001"
    assert doc.holder_name == "محمد ع*** ا***"  # masked unless the caller gives the name
    assert doc.qr_text.startswith("http") and "/verify/?c=" in doc.qr_text
    assert doc.issued_at.tzinfo is not None


def test_cross_company_receipt_names_both_companies(h4_pay) -> None:
    doc = receipt_document(receipt=h4_pay("03").receipt, holder="محمد علي الأحمد")
    english = receipt_html(doc, language="en")
    assert "Collected by" in english
    assert doc.collector_name_en in english and doc.owner_name_en in english
    arabic = receipt_thermal_html(doc, language="ar")
    assert doc.collector_name_ar in arabic and doc.owner_name_ar in arabic
    assert "محمد علي الأحمد" in arabic


def test_same_company_receipt_has_no_on_behalf_line(h4_pay) -> None:
    doc = receipt_document(receipt=h4_pay("01").receipt)
    assert not doc.cross_company
    assert 'class="on-behalf"' not in receipt_html(doc, language="en")


def test_thermal_html_direction_and_local_time(h4_pay) -> None:
    doc = receipt_document(receipt=h4_pay("03").receipt)
    doc = dataclasses.replace(doc, issued_at=dt.datetime(2026, 7, 1, 9, 5, tzinfo=dt.UTC))
    arabic = receipt_thermal_html(doc, language="ar")
    english = receipt_thermal_html(doc, language="en")
    assert '<html lang="ar" dir="rtl">' in arabic
    assert '<html lang="en" dir="ltr">' in english
    assert "1 Jul 2026 12:05" in english  # Asia/Damascus is UTC+3
    assert "١٢:٠٥" in arabic
    assert '<img class="qr" src="data:image/svg+xml' in english
    assert 'src="http' not in english and 'href="http' not in english  # nothing external


def test_reversed_receipt_shows_the_mark(h4_pay, make_user) -> None:
    result = h4_pay("03")
    valid = receipt_document(receipt=result.receipt)
    assert "REVERSED" not in receipt_html(valid, language="en")
    supervisor = make_user(Role.SUPERVISOR, "01", "0001", username="sup")
    payment_reverse(actor=None, payment=result.payment, reason="wrong_amount", approver=supervisor)
    receipt = Receipt.objects.get(pk=result.receipt.pk)
    doc = receipt_document(receipt=receipt)
    assert doc.status == "reversed"
    for html in (receipt_html(doc, language="ar"), receipt_thermal_html(doc, language="en")):
        assert 'class="reversed-mark"' in html
        assert "ملغى" in html and "REVERSED" in html
        assert "is-reversed" in html
    text = pdf_text(receipt_pdf(doc, language="ar"))
    assert "ملغى" in text and "REVERSED" in text


def test_arabic_and_english_pdf_are_shaped_and_use_our_fonts(h4_pay) -> None:
    doc = receipt_document(receipt=h4_pay("03").receipt, holder="محمد علي الأحمد")
    arabic = receipt_pdf(doc, language="ar")
    english = receipt_pdf(doc, language="en")
    assert arabic.startswith(b"%PDF-") and english.startswith(b"%PDF-")
    assert len(PdfReader(io.BytesIO(arabic)).pages) == 1
    text = pdf_text(arabic)
    for word in ("محمد", "علي", "الأحمد", *doc.collector_name_ar.split()):
        assert word in text, word
    assert "Payment receipt" in pdf_text(english)
    assert doc.owner_name_en.split()[0] in pdf_text(english)
    fonts = embedded_fonts(arabic)
    assert fonts and set(fonts.values()) <= FONT_POSTSCRIPT_NAMES


def test_document_refuses_float_money_and_naive_time(h4_pay) -> None:
    doc = receipt_document(receipt=h4_pay("03").receipt)
    with pytest.raises(TypeError):
        dataclasses.replace(doc, amount=10.5)
    with pytest.raises(ValueError):
        dataclasses.replace(doc, issued_at=dt.datetime(2026, 7, 1, 9, 5))
    plain = dataclasses.replace(doc, allocations=(("0301", "2026-02", 5),))
    assert plain.allocations == (ReceiptAllocationDoc("0301", "2026-02", 5),)
