"""Receipt verification: the signed QR code, a typed number, the public page and the API."""

from __future__ import annotations

import itertools
import json
from urllib.parse import parse_qs, urlsplit

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.cache import cache
from django.test import Client

from kuwwa.billing.models import Bill
from kuwwa.cashiering.services import shift_open
from kuwwa.collection.documents import receipt_document
from kuwwa.collection.models import Receipt
from kuwwa.collection.services import PaymentRequest, payment_create, payment_reverse
from kuwwa.collection.verification import (
    mask_account_number,
    receipt_number_normalise,
    receipt_verify_number,
    receipt_verify_qr,
    stored_canonical,
)
from kuwwa.core import signing
from kuwwa.core.digits import to_arabic_digits
from kuwwa.organizations.roles import Role

pytestmark = pytest.mark.django_db
_refs = itertools.count(1)
HOLDER = "محمد علي الأحمد"


@pytest.fixture(autouse=True)
def _fresh_throttle():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def paid(center, billed_account, make_user):
    """A real cross-company payment: an account of 03 paid at center 01/0001."""
    cashier = make_user(Role.CASHIER, "01", "0001")
    account = billed_account("03")
    bill = Bill.objects.get(account=account)
    request = PaymentRequest(
        account_number=account.number,
        amount=bill.outstanding,
        center=center("01"),
        client_reference=f"h4-verify-{next(_refs)}",
        shift_id=shift_open(actor=cashier, opening_float=0).pk,
    )
    return payment_create(actor=cashier, request=request)


def qr_params(receipt: Receipt) -> dict[str, str]:
    """c and s exactly as printed in the receipt's QR code."""
    url = receipt_document(receipt=receipt).qr_text
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def test_the_qr_url_goes_to_the_verify_page(paid) -> None:
    url = urlsplit(receipt_document(receipt=paid.receipt).qr_text)
    assert url.path == "/verify/"
    assert set(parse_qs(url.query)) == {"c", "s"}


def test_scanning_a_real_receipt_is_authentic(paid) -> None:
    params = qr_params(paid.receipt)
    verdict = receipt_verify_qr(canonical_b64=params["c"], signature=params["s"])
    assert verdict.status == "authentic" and verdict.reason == "signed"
    assert verdict.number == paid.receipt.number
    assert verdict.amount == paid.payment.amount
    assert verdict.collector_code == "01" and verdict.owner_code == "03"
    assert verdict.account_masked == mask_account_number(paid.receipt.account_number)


def test_after_reversal_the_receipt_is_reversed(paid, make_user) -> None:
    params = qr_params(paid.receipt)
    supervisor = make_user(Role.SUPERVISOR, "01", "0001", username="sup")
    payment_reverse(actor=None, payment=paid.payment, reason="duplicate", approver=supervisor)
    assert receipt_verify_qr(canonical_b64=params["c"], signature=params["s"]).status == (
        "reversed"
    )
    assert receipt_verify_number(number=paid.receipt.number).status == "reversed"
    html = Client().get("/verify/", params).content.decode()
    assert 'data-status="reversed"' in html


def test_a_tampered_amount_is_not_authentic(paid) -> None:
    params = qr_params(paid.receipt)
    canonical = signing.b64url_decode(params["c"]).decode()
    parts = canonical.split("|")
    parts[3] = str(int(parts[3]) + 100_000)
    forged = signing.b64url("|".join(parts).encode())
    verdict = receipt_verify_qr(canonical_b64=forged, signature=params["s"])
    assert verdict.status == "not_authentic" and verdict.reason == "bad_signature"
    assert verdict.number is None and verdict.amount is None  # no facts for a forgery


def test_a_signature_from_another_key_is_not_authentic(paid) -> None:
    canonical = stored_canonical(paid.receipt)
    assert canonical is not None
    other = signing.b64url(Ed25519PrivateKey.generate().sign(canonical.encode()))
    verdict = receipt_verify_qr(canonical_b64=signing.b64url(canonical.encode()), signature=other)
    assert verdict.status == "not_authentic"


def test_signed_by_us_but_unlike_our_records(paid) -> None:
    """A genuine signature over facts we do not hold: not authentic, or unknown if no such
    number exists (for example a receipt issued after the last backup that was restored)."""
    canonical = stored_canonical(paid.receipt)
    assert canonical is not None
    parts = canonical.split("|")
    parts[3] = str(int(parts[3]) + 1)
    changed = "|".join(parts)
    verdict = receipt_verify_qr(
        canonical_b64=signing.b64url(changed.encode()), signature=signing.sign(changed)
    )
    assert verdict.status == "not_authentic" and verdict.reason == "mismatch"
    missing = canonical.replace(paid.receipt.number, "01-0001-2026-999999")
    verdict = receipt_verify_qr(
        canonical_b64=signing.b64url(missing.encode()), signature=signing.sign(missing)
    )
    assert verdict.status == "unknown"


def test_a_typed_number_in_arabic_indic_digits_is_authentic(paid) -> None:
    typed = " " + to_arabic_digits(paid.receipt.number).replace("-", " - ") + " "
    verdict = receipt_verify_number(number=typed)
    assert verdict.status == "authentic" and verdict.reason == "number_found"
    assert verdict.amount == paid.payment.amount
    assert receipt_verify_number(number=paid.receipt.number.replace("-", "")).status == (
        "authentic"
    )


def test_an_unknown_number_is_unknown(paid) -> None:
    assert receipt_verify_number(number="01-0001-2026-999999").status == "unknown"
    assert receipt_verify_number(number="99-0001-2026-000001").status == "unknown"
    assert receipt_verify_number(number="hello").reason == "bad_number"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("03-0012-2026-000123", "03-0012-2026-000123"),
        ("٠٣-٠٠١٢-٢٠٢٦-٠٠٠١٢٣", "03-0012-2026-000123"),
        ("0300122026000123", "03-0012-2026-000123"),
        ("03 0012 2026 000123\n", "03-0012-2026-000123"),
        ("03–0012–2026–000123", "03-0012-2026-000123"),
        ("\u200e03-0012-2026-000123\u200f", "03-0012-2026-000123"),
        ("03-0012-2026-00012", None),
        ("03-0012-2026-0001234", None),
        ("030012-2026-000123x", None),
        ("٣-١٢-٢٠٢٦-١٢٣", None),
        ("", None),
        ("1" * 100, None),
    ],
)
def test_receipt_number_normalise(text: str, expected: str | None) -> None:
    assert receipt_number_normalise(text) == expected


def test_account_masking_keeps_only_the_last_four_digits() -> None:
    assert mask_account_number("030000000145") == "••-••••••01-45"
    assert mask_account_number("12345") == "•2345"


GARBAGE = [
    "",
    " ",
    "\x00",
    "%00",
    "'; DROP TABLE collection_receipt; --",
    "KW1|",
    signing.b64url(b"KW1|x|y|z|w|v"),
    signing.b64url(b"\xff\xfe\xfd"),
    signing.b64url(b"KW1|01-0001-2026-000001|0|0|0|0"),
    "====",
    "A" * 5000,
    "٠١-٠٠٠١-٢٠٢٦-٠٠٠٠٠١" * 3,
    "🙂🙂🙂",
    "<script>alert(1)</script>",
    "../../etc/passwd",
]


def test_garbage_in_every_parameter_never_fails(paid, settings) -> None:
    settings.KUWWA_VERIFY_PER_MINUTE = 10_000
    client = Client()
    for junk in GARBAGE:
        for params in ({"c": junk, "s": junk}, {"c": junk}, {"s": junk}, {"number": junk}):
            page = client.get("/verify/", params)
            assert page.status_code == 200, (params, page.status_code)
            assert "<script>alert" not in page.content.decode()
            api = client.get("/api/v1/receipts/verify", params)
            assert api.status_code in (200, 400), (params, api.status_code)
            body = api.json()
            if api.status_code == 200:
                assert body["status"] in ("not_authentic", "unknown"), (params, body)
                assert body["message_en"] and body["message_ar"]
            else:
                assert body["code"] == "VALIDATION_FAILED"
    assert (
        client.get("/verify/", {"c": "x", "s": "y", "number": "z", "extra": "1"}).status_code == 200
    )


def test_the_page_is_small_accessible_and_self_contained() -> None:
    response = Client().get("/verify/")
    assert response.status_code == 200
    html = response.content.decode()
    assert len(response.content) < 12_000
    assert '<html lang="ar" dir="rtl">' in html  # Arabic first
    assert 'name="viewport" content="width=device-width, initial-scale=1"' in html
    assert '<label for="receipt-number">' in html and 'id="receipt-number"' in html
    assert 'src="http' not in html and 'href="http' not in html
    assert "@media (min-width: 40rem)" in html  # mobile first: wider screens are the exception
    assert response["Cache-Control"].startswith("max-age=0")


def test_the_page_shows_a_verdict_without_the_holder_name(paid) -> None:
    params = qr_params(paid.receipt)
    page = Client(headers={"accept-language": "en"}).get("/verify/", params)
    html = page.content.decode().replace("\u200e", "")  # marks keep numbers left to right
    assert 'data-status="authentic"' in html and "Authentic receipt" in html
    assert 'role="status"' in html
    assert mask_account_number(paid.receipt.account_number) in html
    assert paid.receipt.account_number not in html
    assert "محمد" not in html and HOLDER not in html
    typed = Client().get("/verify/", {"number": to_arabic_digits(paid.receipt.number)})
    assert 'data-status="authentic"' in typed.content.decode()
    unknown = Client().get("/verify/", {"number": "01-0001-2026-999999"})
    assert 'data-status="unknown"' in unknown.content.decode()


def test_the_api_returns_the_schema(paid) -> None:
    params = qr_params(paid.receipt)
    body = Client().get("/api/v1/receipts/verify", params).json()
    assert set(body) == {"status", "reason", "message_ar", "message_en", "receipt"}
    assert body["status"] == "authentic"
    facts = body["receipt"]
    assert facts["number"] == paid.receipt.number
    assert facts["amount"] == paid.payment.amount and isinstance(facts["amount"], int)
    assert facts["currency"] == "SYP"
    assert facts["issued_at"].endswith("+03:00")
    assert facts["collecting_company"]["code"] == "01"
    assert facts["owning_company"]["code"] == "03"
    assert "holder" not in json.dumps(body) and "محمد" not in json.dumps(body)
    missing = Client().get("/api/v1/receipts/verify", {"number": "01-0001-2026-999999"}).json()
    assert missing["status"] == "unknown" and missing["receipt"] is None


def test_the_api_without_parameters_is_a_clear_error_in_the_requests_language() -> None:
    response = Client(headers={"accept-language": "en"}).get("/api/v1/receipts/verify")
    assert response.status_code == 400
    assert response.json() == {
        "code": "VALIDATION_FAILED",
        "message": "Give c and s from the receipt's QR code, or a receipt number.",
    }


def test_throttle_gives_429_after_the_limit(settings) -> None:
    settings.KUWWA_VERIFY_PER_MINUTE = 5
    client = Client(headers={"accept-language": "en"})
    for _ in range(3):
        assert client.get("/verify/", {"number": "01-0001-2026-000001"}).status_code == 200
    for _ in range(2):
        assert client.get("/api/v1/receipts/verify", {"number": "x"}).status_code == 200
    page = client.get("/verify/", {"number": "01-0001-2026-000001"})
    assert page.status_code == 429
    assert "Wait a minute" in page.content.decode()
    api = client.get("/api/v1/receipts/verify", {"number": "x"})
    assert api.status_code == 429
    assert api.json()["code"] == "TOO_MANY_REQUESTS"
    assert client.get("/verify/").status_code == 200  # the empty form is not a lookup
    other = Client(REMOTE_ADDR="10.0.0.7")
    assert other.get("/verify/", {"number": "x"}).status_code == 200


def test_api_docs_redirect_and_openapi_schema() -> None:
    client = Client()
    for path in ("/api/docs", "/api/docs/"):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"] == "/api/v1/docs"
    assert client.get("/api/v1/docs").status_code == 200
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = json.loads(response.content)
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "Kuwwa API"
    operation = schema["paths"]["/api/v1/receipts/verify"]["get"]
    assert {p["name"] for p in operation["parameters"]} == {"c", "s", "number"}
    assert "security" not in operation or operation["security"] in ([], [{}])


def test_the_public_key_is_published_and_verifies_a_receipt(paid) -> None:
    import base64

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    body = Client().get("/api/v1/receipts/public-key").json()
    assert body["algorithm"] == "Ed25519" and body["canonical_version"] == "KW1"
    key = Ed25519PublicKey.from_public_bytes(base64.b64decode(body["public_key"]))
    params = qr_params(paid.receipt)
    key.verify(signing.b64url_decode(params["s"]), signing.b64url_decode(params["c"]))


def test_validation_errors_are_422_with_the_common_shape() -> None:
    """Ninja's own validation error goes through the global handler (any router)."""
    from ninja.errors import ValidationError

    from kuwwa.api import validation_error

    request = Client().get("/verify/").wsgi_request
    response = validation_error(
        request, ValidationError([{"loc": ("query", "amount"), "msg": "not an int"}])
    )
    assert response.status_code == 422
    body = json.loads(response.content)
    assert body["code"] == "VALIDATION_FAILED"
    assert "query.amount" in body["message"]
    assert body["errors"] == [{"field": "query.amount", "message": "not an int"}]
