"""Bill and receipt PDFs: only for a verified account, only that account's documents."""

from __future__ import annotations

import io
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from pypdf import PdfReader

from kuwwa.billing.models import Bill
from kuwwa.portal.models import PaymentSession

from .conftest import verify, verify_by_sms

pytestmark = pytest.mark.django_db


def pdf_text(content: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


@pytest.fixture
def receipt_number(account, sandbox) -> str:
    """Pay 1,000 SYP through the sandbox bank in another browser; the receipt's number."""
    payer = Client()
    verify(payer, account)
    hosted = payer.post(
        f"/portal/account/{account.number}/pay/", {"amount": "1000", "partner": "sandbox-bank"}
    )["Location"]
    query = {k: v[0] for k, v in parse_qs(urlsplit(hosted).query).items()}
    payer.get(payer.post(urlsplit(hosted).path, {**query, "action": "pay"})["Location"])
    return PaymentSession.objects.get().receipt_number


def test_pdfs_are_refused_without_verification(account, receipt_number) -> None:
    bill = Bill.objects.filter(account=account).first()
    client = Client()
    for url in (
        f"/portal/account/{account.number}/bills/{bill.number}.pdf",
        f"/portal/account/{account.number}/receipts/{receipt_number}.pdf",
    ):
        response = client.get(url)
        assert response.status_code == 403
        assert response["Content-Type"].startswith("text/html")


def test_bill_pdf_of_a_verified_account_masks_the_name(account) -> None:
    client = Client()
    verify(client, account)
    bill = Bill.objects.filter(account=account).first()
    response = client.get(f"/portal/account/{account.number}/bills/{bill.number}.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "no-store" in response["Cache-Control"]
    text = pdf_text(response.content)
    assert "الأحمد" not in text


def test_bill_pdf_with_sms_verification_has_the_full_name(account) -> None:
    client = Client()
    verify_by_sms(client, account)
    bill = Bill.objects.filter(account=account).first()
    response = client.get(f"/portal/account/{account.number}/bills/{bill.number}.pdf")
    assert "الأحمد" in pdf_text(response.content)


def test_another_accounts_documents_are_not_found(account, billed_account, receipt_number) -> None:
    other = billed_account("03")
    client = Client()
    verify(client, other)
    bill = Bill.objects.filter(account=account).first()
    assert client.get(f"/portal/account/{other.number}/bills/{bill.number}.pdf").status_code == 404
    assert (
        client.get(f"/portal/account/{other.number}/receipts/{receipt_number}.pdf").status_code
        == 404
    )


def test_receipt_pdf_from_the_account_page(account, receipt_number) -> None:
    client = Client()
    verify(client, account)
    html = client.get(f"/portal/account/{account.number}/").content.decode()
    url = f"/portal/account/{account.number}/receipts/{receipt_number}.pdf"
    assert url in html
    response = client.get(url)
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
