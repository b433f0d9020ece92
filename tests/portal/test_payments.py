"""Paying online through the sandbox bank: hand-off, signed callback, one payment, receipt."""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.test import Client

from kuwwa.billing.models import Bill
from kuwwa.collection.models import Payment, Receipt
from kuwwa.core.models import AuditEvent
from kuwwa.portal.models import PaymentSession
from kuwwa.portal.partners import sandbox_secret, sign

from .conftest import verify

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(account, sandbox) -> Client:
    client = Client()
    verify(client, account)
    return client


def start(client: Client, account, **data) -> str:
    data.setdefault("partner", "sandbox-bank")
    response = client.post(f"/portal/account/{account.number}/pay/", data)
    assert response.status_code == 302, response.content.decode()[-3000:]
    return response["Location"]


def bank_pays(client: Client, hosted: str, action: str = "pay") -> str:
    """The sandbox page, then its Pay button: returns the callback URL it redirects to."""
    page = client.get(hosted)
    assert page.status_code == 200
    query = {k: v[0] for k, v in parse_qs(urlsplit(hosted).query).items()}
    response = client.post(urlsplit(hosted).path, {**query, "action": action})
    assert response.status_code == 302
    return response["Location"]


def callback(**params) -> str:
    params["sig"] = sign(params, sandbox_secret())
    return "/portal/pay/callback/?" + urlencode(params)


def test_pay_page_lists_open_bills_and_the_test_bank(account, client) -> None:
    html = client.get(f"/portal/account/{account.number}/pay/").content.decode()
    for bill in Bill.objects.filter(account=account):
        assert f'value="{bill.number}"' in html
    assert "sandbox-bank" in html and ("TEST BANK" in html or "تجريبي" in html)


def test_the_whole_journey_pays_once_and_gives_a_receipt(account, client) -> None:
    bills = list(Bill.objects.filter(account=account).order_by("number"))
    hosted = start(client, account, bills=[b.number for b in bills])
    assert urlsplit(hosted).path.startswith("/portal/sandbox-bank/pay/P03")
    session = PaymentSession.objects.get()
    assert session.amount == sum(b.outstanding for b in bills) and session.status == "pending"
    page = client.get(hosted).content.decode()
    assert "بنك تجريبي — للاختبار فقط" in page and "TEST BANK" in page
    back = bank_pays(client, hosted)
    assert urlsplit(back).path == "/portal/pay/callback/"
    done = client.get(back)
    assert done.status_code == 302 and done["Location"] == f"/portal/pay/{session.reference}/"
    session.refresh_from_db()
    assert session.status == "paid" and session.receipt_number.startswith("00-9001-")
    payment = Payment.objects.get()
    assert payment.channel == "portal" and payment.client_reference == session.reference
    assert all(b.status == "paid" for b in Bill.objects.filter(account=account))
    html = client.get(done["Location"]).content.decode()
    assert "receipt.pdf" in html and "/verify/?number=" in html
    # The browser's refresh of the callback, and the bank's server calling too: still one.
    assert client.get(back).status_code == 302
    assert (
        Client().post("/portal/pay/callback/", parse_qs(urlsplit(back).query)).content == b"OK paid"
    )
    assert Payment.objects.count() == 1 and Receipt.objects.count() == 1
    assert AuditEvent.objects.filter(action="portal.payment.paid").count() == 1
    pdf = client.get(f"/portal/pay/{session.reference}/receipt.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_a_bad_signature_is_refused_and_changes_nothing(account, client) -> None:
    hosted = start(client, account, amount="1000")
    session = PaymentSession.objects.get()
    params = {
        "partner": "sandbox-bank",
        "reference": session.reference,
        "status": "paid",
        "amount": str(session.amount),
        "txn": "X1",
    }
    forged = {**params, "sig": sign(params, "not-the-secret")}
    response = client.get("/portal/pay/callback/?" + urlencode(forged))
    assert response.status_code == 400
    unsigned = client.get("/portal/pay/callback/?" + urlencode(params))
    assert unsigned.status_code == 400
    tampered = dict(parse_qs(urlsplit(bank_pays(client, hosted)).query))
    tampered["amount"] = ["1"]
    assert client.get("/portal/pay/callback/?" + urlencode(tampered, doseq=True)).status_code == 400
    session.refresh_from_db()
    assert session.status == "pending" and not Payment.objects.exists()


def test_a_tampered_request_to_the_bank_is_refused(account, client) -> None:
    hosted = start(client, account, amount="1000")
    parts = urlsplit(hosted)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    query["amount"] = "1"
    assert client.get(parts.path + "?" + urlencode(query)).status_code == 400


def test_a_signed_answer_with_another_amount_pays_nothing(account, client) -> None:
    start(client, account, amount="1000")
    session = PaymentSession.objects.get()
    url = callback(
        partner="sandbox-bank", reference=session.reference, status="paid", amount="5", txn="T"
    )
    assert client.get(url).status_code == 400
    assert not Payment.objects.exists()


def test_cancel_pays_nothing_and_a_later_confirmation_is_honoured(account, client) -> None:
    back = bank_pays(client, start(client, account, amount="1000"), action="cancel")
    client.get(back)
    session = PaymentSession.objects.get()
    assert session.status == "cancelled" and not Payment.objects.exists()
    html = client.get(f"/portal/pay/{session.reference}/").content.decode()
    assert 'class="notice bad"' in html
    late = callback(
        partner="sandbox-bank",
        reference=session.reference,
        status="paid",
        amount=str(session.amount),
        txn="T9",
    )
    client.get(late)
    session.refresh_from_db()
    assert session.status == "paid" and Payment.objects.count() == 1


def test_an_amount_in_arabic_digits(account, client) -> None:
    start(client, account, amount="١٬٥٠٠")
    assert PaymentSession.objects.get().amount == 150_000


def test_bills_and_an_amount_together_are_refused(account, client) -> None:
    bill = Bill.objects.filter(account=account).first()
    response = client.post(
        f"/portal/account/{account.number}/pay/",
        {"bills": [bill.number], "amount": "100", "partner": "sandbox-bank"},
    )
    assert response.status_code == 400 and not PaymentSession.objects.exists()


def test_paid_meanwhile_elsewhere_goes_to_credit(account, client) -> None:
    bill = Bill.objects.filter(account=account).order_by("number").first()
    back = bank_pays(client, start(client, account, bills=[bill.number]))
    Bill.objects.filter(pk=bill.pk).update(paid=bill.total + bill.adjusted, status="paid")
    client.get(back)
    payment = Payment.objects.get()
    assert payment.to_credit == payment.amount


def test_result_and_receipt_only_for_the_browser_that_paid(account, client) -> None:
    client.get(bank_pays(client, start(client, account, amount="1000")))
    session = PaymentSession.objects.get()
    stranger = Client()
    assert stranger.get(f"/portal/pay/{session.reference}/").status_code == 404
    assert stranger.get(f"/portal/pay/{session.reference}/receipt.pdf").status_code == 404


def test_unverified_cannot_start_a_payment(account, sandbox) -> None:
    response = Client().post(
        f"/portal/account/{account.number}/pay/", {"amount": "100", "partner": "sandbox-bank"}
    )
    assert response.status_code == 403 and not PaymentSession.objects.exists()


def test_no_sandbox_in_production(account, client, settings) -> None:
    settings.PRODUCTION = True
    html = client.get(f"/portal/account/{account.number}/pay/").content.decode()
    assert "sandbox-bank" not in html
    assert client.get("/portal/sandbox-bank/pay/P03X/").status_code == 404


def test_a_real_partner_is_added_by_configuration(account, client, settings, sandbox) -> None:
    from kuwwa.core.services import master_data_save
    from kuwwa.organizations.models import CollectionCenter, Company, Partner

    bank = Partner(code="bank-x", name_ar="بنك س", name_en="Bank X", kind=Partner.Kind.BANK)
    master_data_save(actor=None, instance=bank)
    master_data_save(
        actor=None,
        instance=CollectionCenter(
            company=Company.objects.get(code="00"),
            code="9100",
            name_ar="بنك س",
            kind=CollectionCenter.Kind.VIRTUAL,
            partner=bank,
        ),
    )
    settings.KUWWA_PUBLIC_URL = "https://kuwwa.example.sy"
    settings.KUWWA_PORTAL_PARTNERS = {
        "bank-x": {"hosted_url": "https://pay.bank-x.example/kuwwa/{reference}", "secret": "s3cret"}
    }
    hosted = start(client, account, amount="1000", partner="bank-x")
    parts = urlsplit(hosted)
    session = PaymentSession.objects.get()
    assert parts.netloc == "pay.bank-x.example" and parts.path == f"/kuwwa/{session.reference}"
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert query["sig"] == sign(query, "s3cret")
    assert query["return"] == "https://kuwwa.example.sy/portal/pay/callback/"
    answer = {
        "partner": "bank-x",
        "reference": session.reference,
        "status": "paid",
        "amount": str(session.amount),
        "txn": "BX-1",
    }
    answer["sig"] = sign(answer, "s3cret")
    assert Client().post("/portal/pay/callback/", answer).content == b"OK paid"
    assert Payment.objects.get().partner == bank
