"""The inquiry and the payment run the request's nonce and rate checks inside their own
statement (ADR 0011): replay protection, revocation and the rate limit must hold there as
they do on every other operation, and a request refused for something else still uses up
its nonce."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kuwwa.billing.models import Bill
from kuwwa.collection.models import Payment
from kuwwa.core import hotsql
from kuwwa.partners.keys import partner_key_revoke
from kuwwa.partners.models import IdempotencyRecord, PartnerKey, PartnerNonce

pytestmark = pytest.mark.django_db


@pytest.fixture
def bill(billed_account) -> Bill:
    return Bill.objects.get(account=billed_account("03"))


def _inquire(bank, bill: Bill, **kw: Any) -> Any:
    return bank.get(f"/accounts/{bill.account.number}", **kw)


def _pay(bank, bill: Bill, **kw: Any) -> Any:
    return bank.pay("BNK-F1", {"account_number": bill.account.number, "amount": 100}, **kw)


CALLS: dict[str, Callable[..., Any]] = {"inquiry": _inquire, "payment": _pay}
folded = pytest.mark.parametrize("call", CALLS.values(), ids=CALLS.keys())


@folded
def test_a_replayed_request_is_refused_and_does_nothing_again(bank, bill, call) -> None:
    first = call(bank, bill, nonce="r" * 32)
    assert first.status_code in (200, 201), first.content
    again = call(bank, bill, nonce="r" * 32)
    assert again.status_code == 401 and again.json()["code"] == "NONCE_REUSED"
    assert PartnerNonce.objects.filter(nonce="r" * 32).count() == 1
    # No foreign keys on the nonce table: the statement copies them from the key's row.
    key = PartnerKey.objects.get(key_id=bank.key_id)
    recorded = PartnerNonce.objects.get(nonce="r" * 32)
    assert (recorded.company_id, recorded.partner_id, recorded.key_id) == (
        key.company_id,
        key.partner_id,
        key.pk,
    )
    assert Payment.objects.count() == (1 if call is _pay else 0)


@folded
def test_a_key_revoked_while_kept_stops_the_next_request(bank, bill, call) -> None:
    assert bank.get("/me").status_code == 200  # the key is now kept by this process
    partner_key_revoke(actor=None, key=PartnerKey.objects.get(key_id=bank.key_id))
    response = call(bank, bill)
    assert response.status_code == 401 and response.json()["code"] == "KEY_UNKNOWN"
    assert PartnerNonce.objects.count() == 1  # the refused request recorded nothing
    assert not IdempotencyRecord.objects.exists() and not Payment.objects.exists()


@folded
def test_the_rate_limit_holds(bank, bill, call, settings, monkeypatch) -> None:
    moment = timezone.now().replace(second=30)
    monkeypatch.setattr("kuwwa.partners.auth.timezone.now", lambda: moment)
    settings.KUWWA_PARTNER_RATE_PER_MINUTE = 2
    assert bank.get("/me").status_code == 200
    assert call(bank, bill).status_code in (200, 201)
    limited = call(bank, bill)
    assert limited.status_code == 429 and limited.json()["code"] == "RATE_LIMITED"
    assert int(limited["Retry-After"]) == 30
    assert Payment.objects.count() == (1 if call is _pay else 0)
    assert IdempotencyRecord.objects.count() == (1 if call is _pay else 0)


def test_a_bad_account_number_uses_up_the_nonce_and_a_replay_is_refused_as_such(bank) -> None:
    bad = bank.get("/accounts/030000000000", nonce="b" * 32)
    assert bad.status_code == 400 and bad.json()["code"] == "INVALID_ACCOUNT_NUMBER"
    again = bank.get("/accounts/030000000000", nonce="b" * 32)
    assert again.status_code == 401 and again.json()["code"] == "NONCE_REUSED"


def test_an_unknown_account_uses_up_the_nonce(bank, bill) -> None:
    number = bill.account.number
    missing = number[:-3] + ("001" if not number.endswith("001") else "002")
    response = bank.get(f"/accounts/{missing}", nonce="u" * 32)
    assert response.json()["code"] in ("ACCOUNT_NOT_FOUND", "INVALID_ACCOUNT_NUMBER")
    assert PartnerNonce.objects.filter(nonce="u" * 32).exists()


def test_a_payment_refused_for_its_body_uses_up_the_nonce(bank, bill) -> None:
    body = {"account_number": bill.account.number, "amount": "a lot"}
    refused = bank.pay("BNK-F2", body, nonce="v" * 32)
    assert refused.status_code == 422 and refused.json()["code"] == "VALIDATION_FAILED"
    assert PartnerNonce.objects.filter(nonce="v" * 32).exists()
    again = bank.pay("BNK-F2", body, nonce="v" * 32)
    assert again.status_code == 401 and again.json()["code"] == "NONCE_REUSED"


def test_a_body_that_is_not_json_uses_up_the_nonce(bank) -> None:
    refused = bank.post("/payments", raw=b"{", headers={"Idempotency-Key": "X"}, nonce="w" * 32)
    assert refused.status_code == 400
    assert PartnerNonce.objects.filter(nonce="w" * 32).exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="folding is PostgreSQL's")
def test_an_inquiry_is_one_statement_and_a_payment_three(bank, bill, monkeypatch) -> None:
    """The nonce is in the inquiry's statement and in the payment's idempotency claim: with
    the key kept, an inquiry makes one statement, a payment three (claim, the payment
    function, the stored answer) and neither any through the ORM."""
    statements: list[str] = []
    run = hotsql._run_prepared
    monkeypatch.setattr(
        hotsql,
        "_run_prepared",
        lambda db, raw, sql, params: statements.append(sql) or run(db, raw, sql, params),
    )
    # The first payment of a process reads what it then keeps (the key, ledger accounts).
    assert _inquire(bank, bill).status_code == 200
    assert (
        bank.pay("BNK-W", {"account_number": bill.account.number, "amount": 100}).status_code == 201
    )
    statements.clear()
    with CaptureQueriesContext(connection) as orm:
        assert _inquire(bank, bill).status_code == 200
        assert len(statements) == 1
        assert _pay(bank, bill).status_code == 201
        assert len(statements) == 4
    assert len(orm.captured_queries) == 0
