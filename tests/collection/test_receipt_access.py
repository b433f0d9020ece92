"""Who may open a receipt document: /receipts/<number>/ follows the user's scope."""

from __future__ import annotations

import itertools
import re

import pytest
from django.test import Client

from kuwwa.billing.models import Bill
from kuwwa.cashiering.services import shift_open
from kuwwa.collection.services import PaymentRequest, payment_create
from kuwwa.core.digits import to_arabic_digits
from kuwwa.organizations.roles import Role

pytestmark = pytest.mark.django_db
_refs = itertools.count(1)
HOLDER = "محمد علي الأحمد"


@pytest.fixture
def cashier(make_user):
    return make_user(Role.CASHIER, "01", "0001")


@pytest.fixture
def receipt(center, billed_account, cashier):
    """A receipt of center 01/0001 for an account of company 03."""
    account = billed_account("03")
    bill = Bill.objects.get(account=account)
    request = PaymentRequest(
        account_number=account.number,
        amount=bill.outstanding,
        center=center("01"),
        client_reference=f"h4-access-{next(_refs)}",
        shift_id=shift_open(actor=cashier, opening_float=0).pk,
    )
    return payment_create(actor=cashier, request=request).receipt


def client_for(user) -> Client:
    client = Client(headers={"accept-language": "en"})
    client.force_login(user)
    return client


def url(receipt, fmt: str = "html") -> str:
    return f"/receipts/{receipt.number}/?format={fmt}"


def test_cashier_of_the_collecting_center_sees_it_masked(receipt, cashier) -> None:
    response = client_for(cashier).get(url(receipt))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Payment receipt" in html
    assert "محمد ع*** ا***" in html and HOLDER not in html  # the account is another company's
    assert response["Cache-Control"].startswith("max-age=0")


def test_every_format(receipt, cashier) -> None:
    client = client_for(cashier)
    thermal = client.get(url(receipt, "thermal"))
    assert thermal.status_code == 200 and 'class="doc thermal' in thermal.content.decode()
    pdf = client.get(url(receipt, "pdf"))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")
    assert f'filename="receipt-{receipt.number}.pdf"' in pdf["Content-Disposition"]
    assert client.get(url(receipt, "docx")).status_code == 400


def test_a_typed_number_in_any_digits_finds_it(receipt, cashier) -> None:
    client = client_for(cashier)
    assert client.get(f"/receipts/{to_arabic_digits(receipt.number)}/").status_code == 200
    assert client.get(f"/receipts/{receipt.number.replace('-', '')}/").status_code == 200


def test_cashier_of_another_center_gets_404(receipt, make_user, center) -> None:
    center("01", "0002")
    other = make_user(Role.CASHIER, "01", "0002")
    assert client_for(other).get(url(receipt)).status_code == 404
    stranger = make_user(Role.CASHIER, "05", "0001")
    assert client_for(stranger).get(url(receipt)).status_code == 404


def test_company_admin_of_the_owner_sees_the_full_name(receipt, make_user) -> None:
    admin = make_user(Role.COMPANY_ADMIN, "03")
    response = client_for(admin).get(url(receipt))
    assert response.status_code == 200
    assert HOLDER in response.content.decode()


def test_company_staff_of_the_collector_see_it_masked(receipt, make_user) -> None:
    accountant = make_user(Role.ACCOUNTANT, "01")
    html = client_for(accountant).get(url(receipt)).content.decode()
    assert "محمد ع*** ا***" in html and HOLDER not in html


def test_other_company_staff_and_unknown_numbers_get_404(receipt, make_user) -> None:
    outsider = client_for(make_user(Role.COMPANY_ADMIN, "05"))
    assert outsider.get(url(receipt)).status_code == 404
    establishment = client_for(make_user(Role.AUDITOR))
    assert establishment.get(url(receipt)).status_code == 200
    for number in ("01-0001-2026-999999", "nonsense", "%00", "99-0001-2026-000001"):
        assert establishment.get(f"/receipts/{number}/").status_code == 404


def test_anonymous_is_sent_to_login(receipt) -> None:
    response = Client().get(url(receipt))
    assert response.status_code == 302
    assert re.match(r"^/login/\?next=", response["Location"])
