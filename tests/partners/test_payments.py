"""Payments through the API: applied once per Idempotency-Key, replays, conflicts, bad input."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict

import pytest
from django.utils import timezone

from kuwwa.billing.models import Bill
from kuwwa.collection.models import Payment, Receipt
from kuwwa.ledger.selectors import ledger_check
from kuwwa.organizations.models import Company
from kuwwa.partners.idempotency import request_hash
from kuwwa.partners.models import IdempotencyRecord
from kuwwa.partners.payments import PaymentInput

pytestmark = pytest.mark.django_db


@pytest.fixture
def bill(billed_account) -> Bill:
    return Bill.objects.get(account=billed_account("03"))


def _body(bill: Bill, amount: int | None = None) -> dict:
    return {"account_number": bill.account.number, "amount": amount or bill.total}


def test_a_payment_is_posted_with_its_receipt(bank, bill) -> None:
    response = bank.pay("BNK-1", _body(bill))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["reference"] == "BNK-1" and body["status"] == "posted"
    assert body["receipt_number"].startswith("00-9101-")
    assert body["owner_company"]["code"] == "03"
    assert body["allocations"] == [{"bill_number": bill.number, "amount": bill.total}]
    assert body["amount"] == bill.total and body["to_credit"] == 0
    payment = Payment.objects.get()
    assert payment.partner == bank.partner and payment.channel == "bank"
    assert payment.tender == "transfer" and payment.collector.code == "00"
    bill.refresh_from_db()
    assert bill.status == Bill.Status.PAID
    assert ledger_check().ok
    status = bank.get("/payments/BNK-1")
    assert status.status_code == 200 and status.json()["receipt_number"] == body["receipt_number"]


def test_the_same_key_and_body_replays_the_stored_response(bank, bill) -> None:
    first = bank.pay("BNK-2", _body(bill))
    again = bank.pay("BNK-2", _body(bill))
    assert again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert Payment.objects.count() == 1 and Receipt.objects.count() == 1


def test_the_same_body_with_other_spacing_is_the_same_request(bank, bill) -> None:
    bank.pay("BNK-3", _body(bill))
    spaced = json.dumps({"amount": bill.total, "account_number": bill.account.number}, indent=4)
    again = bank.post("/payments", raw=spaced.encode(), headers={"Idempotency-Key": "BNK-3"})
    assert again.status_code == 201 and Payment.objects.count() == 1


def test_the_same_key_with_another_body_is_422(bank, bill) -> None:
    assert bank.pay("BNK-4", _body(bill, 1000_00)).status_code == 201
    response = bank.pay("BNK-4", _body(bill, 2000_00))
    assert response.status_code == 422
    assert response.json()["code"] == "IDEMPOTENCY_KEY_REUSED"
    assert Payment.objects.count() == 1


def test_a_request_in_flight_gives_409_with_retry_after(bank, bill) -> None:
    data = PaymentInput(account_number=bill.account.number, amount=bill.total)
    IdempotencyRecord.objects.create(
        company=Company.objects.get(code="00"),
        partner=bank.partner,
        key="BNK-5",
        request_hash=request_hash(asdict(data)),
        state=IdempotencyRecord.State.IN_FLIGHT,
        claim_token="someone-else",
        claimed_at=timezone.now(),
    )
    response = bank.pay("BNK-5", _body(bill))
    assert response.status_code == 409
    assert response.json()["code"] == "REQUEST_IN_FLIGHT"
    assert int(response["Retry-After"]) >= 1
    assert Payment.objects.count() == 0


def test_a_stale_claim_is_taken_over_and_pays_once(bank, bill) -> None:
    """A worker died after paying but before storing the response: the retry gets the
    payment made then, never a second one."""
    first = bank.pay("BNK-6", _body(bill))
    IdempotencyRecord.objects.filter(key="BNK-6").update(
        state=IdempotencyRecord.State.IN_FLIGHT,
        response=None,
        claimed_at=timezone.now() - dt.timedelta(minutes=5),
    )
    again = bank.pay("BNK-6", _body(bill))
    assert again.status_code == 201
    assert again.json()["receipt_number"] == first.json()["receipt_number"]
    assert Payment.objects.count() == 1
    assert IdempotencyRecord.objects.get(key="BNK-6").state == IdempotencyRecord.State.DONE


def test_a_failure_to_store_the_answer_after_paying_never_pays_twice(
    bank, bill, monkeypatch
) -> None:
    """The payment commits before its answer is stored. If storing fails the claim is given
    back, and the partner's retry with the same key gets the payment made then."""
    from django.db import DatabaseError

    from kuwwa.partners import payments
    from kuwwa.partners.auth import PartnerContext
    from kuwwa.partners.keys import active_key

    def broken(**_kw):
        raise DatabaseError("connection lost")

    found = active_key(bank.key_id)
    ctx = PartnerContext(partner=found.key.partner, key=found.key, found=found)
    data = PaymentInput(account_number=bill.account.number, amount=bill.total)
    with monkeypatch.context() as patch:
        patch.setattr(payments, "idempotency_complete", broken)
        with pytest.raises(DatabaseError):
            payments.partner_payment_create(ctx=ctx, key="BNK-LOST", data=data)
    assert Payment.objects.count() == 1
    assert not IdempotencyRecord.objects.filter(key="BNK-LOST").exists()
    again = bank.pay("BNK-LOST", asdict(data))
    assert again.status_code == 201, again.content
    assert again.json()["receipt_number"] == Payment.objects.get().receipt_number
    assert Payment.objects.count() == 1 and ledger_check().ok


def test_a_refusal_does_not_use_up_the_key(bank, bill) -> None:
    Company.objects.filter(code="03").update(payment_policy="exact")
    refused = bank.pay("BNK-7", _body(bill, bill.total - 1))
    assert refused.status_code == 422
    assert refused.json()["code"] == "AMOUNT_NOT_ALLOWED"
    assert not IdempotencyRecord.objects.filter(key="BNK-7").exists()
    assert bank.pay("BNK-7", _body(bill)).status_code == 201


def test_paid_bill_and_bill_number(bank, bill) -> None:
    bank.pay("BNK-8", {**_body(bill), "bill_number": bill.number})
    again = bank.pay("BNK-9", {**_body(bill), "bill_number": bill.number})
    assert again.status_code == 409 and again.json()["code"] == "BILL_ALREADY_PAID"
    advance = bank.pay("BNK-10", {**_body(bill, 500_00), "to_credit": True})
    assert advance.status_code == 201 and advance.json()["to_credit"] == 500_00


def test_a_partner_sees_only_its_own_payments(bank, wallet, bill) -> None:
    bank.pay("SAME-REF", _body(bill, 100_00))
    other = wallet.get("/payments/SAME-REF")
    assert other.status_code == 404 and other.json()["code"] == "PAYMENT_NOT_FOUND"
    reverse = wallet.post("/payments/SAME-REF/reversal", {"reason": "duplicate"})
    assert reverse.status_code == 404
    # the same reference at another partner is that partner's own payment
    mine = wallet.pay("SAME-REF", _body(bill, 100_00))
    assert mine.status_code == 201 and mine.json()["receipt_number"].startswith("00-9102-")
    assert Payment.objects.count() == 2
    assert bank.get("/payments/SAME-REF").json()["receipt_number"].startswith("00-9101-")


@pytest.mark.parametrize(
    "raw",
    [
        b"not json",
        b"{",
        b"[]",
        b"null",
        b'{"account_number": "030000000145", "amount": 100.5}',
        b'{"account_number": "030000000145", "amount": "100"}',
        b'{"account_number": "030000000145", "amount": 1e3}',
        b'{"account_number": "030000000145", "amount": -5}',
        b'{"account_number": "030000000145", "amount": 0}',
        b'{"account_number": "030000000145", "amount": true}',
        b'{"account_number": "030000000145", "amount": 99999999999999999999999999999}',
        b'{"account_number": "030000000145", "amount": ' + b"9" * 5000 + b"}",
        b'{"account_number": 30000000145, "amount": 100}',
        b'{"account_number": "\xd9\xa0\xd9\xa3\xf0\x9f\x92\xa1", "amount": 100}',
        b'{"account_number": "\\u0000", "amount": 100}',
        b'{"account_number": "030000000145", "amount": 100, "bill_number": "03\\u00001"}',
        b'{"account_number": "030000000145", "amount": 100, "extra": 1}',
        b'{"account_number": "030000000145", "amount": 100, "to_credit": "yes"}',
        b"\xff\xfe\x00",
        b"[" * 10000 + b"]" * 10000,
    ],
)
def test_bad_input_is_a_clear_4xx_never_a_500(bank, billed_account, raw: bytes) -> None:
    billed_account("03")
    response = bank.post("/payments", raw=raw, headers={"Idempotency-Key": "BAD-1"})
    assert 400 <= response.status_code < 500, (raw[:60], response.status_code, response.content)
    body = response.json()
    assert body["code"] and body["message"] and body["message_ar"] and body["message_en"]
    assert Payment.objects.count() == 0


@pytest.mark.parametrize("key", [None, "", "has space", "x" * 49, "عربي"])
def test_the_idempotency_key_is_required_and_checked(bank, bill, key) -> None:
    headers = {} if key is None else {"Idempotency-Key": key}
    response = bank.post("/payments", _body(bill), headers=headers)
    assert response.status_code in (400, 422), response.content
    assert response.json()["code"] in ("VALIDATION_FAILED", "IDEMPOTENCY_KEY_INVALID")


def test_closed_channel_is_refused(bank, bill) -> None:
    from kuwwa.organizations.models import CollectionCenter

    CollectionCenter.objects.filter(partner=bank.partner).update(is_active=False)
    response = bank.pay("BNK-11", _body(bill))
    assert response.status_code == 403 and response.json()["code"] == "CHANNEL_UNAVAILABLE"
    assert not IdempotencyRecord.objects.exists()


def test_a_channel_closed_while_the_key_is_kept_stops_payments_when_it_is_read_again(
    bank, billed_account, monkeypatch
) -> None:
    from kuwwa.organizations.models import CollectionCenter
    from kuwwa.partners import keys

    older, newer = Bill.objects.filter(account=billed_account("03", kwh=(300, 200))).order_by(
        "cycle__period_start"
    )
    assert bank.pay("BNK-12", _body(older)).status_code == 201  # the key and channel are kept
    CollectionCenter.objects.filter(partner=bank.partner).update(is_active=False)
    _deadline, kept = keys._kept[bank.key_id]
    monkeypatch.setitem(keys._kept, bank.key_id, (0.0, kept))  # its seconds are over
    response = bank.pay("BNK-13", _body(newer))
    assert response.status_code == 403 and response.json()["code"] == "CHANNEL_UNAVAILABLE"


def test_the_answer_to_a_payment_is_what_its_status_shows_later(bank, billed_account) -> None:
    """The response the write path builds without reading back (the function's own
    allocations, oldest bill first, even when the named newer bill was paid first) is the
    payment as any later read shows it."""
    account = billed_account("03", kwh=(300, 200, 100))
    older, newer, newest = Bill.objects.filter(account=account).order_by("cycle__period_start")
    body = {
        "account_number": account.number,
        "amount": newest.total + older.total // 2,
        "bill_number": newest.number,
    }
    answer = bank.pay("ORDER-1", body)
    assert answer.status_code == 201, answer.content
    assert answer.json()["allocations"] == [
        {"bill_number": older.number, "amount": older.total // 2},
        {"bill_number": newest.number, "amount": newest.total},
    ]
    status = bank.get("/payments/ORDER-1")
    assert status.json() == answer.json()
    assert newer.number not in answer.content.decode()
