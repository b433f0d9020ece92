"""One Idempotency-Key sent at once from many threads (own connections): one payment."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connections
from django.test import Client

from kuwwa.billing.models import Bill
from kuwwa.collection.models import Payment, Receipt
from kuwwa.ledger.selectors import ledger_check
from kuwwa.partners.models import IdempotencyRecord

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
THREADS = 8


def test_one_key_from_many_threads_is_one_payment(bank, billed_account) -> None:
    bill = Bill.objects.get(account=billed_account("03"))
    body = {"account_number": bill.account.number, "amount": bill.total}
    barrier = threading.Barrier(THREADS)
    results: list[Any] = [None] * THREADS

    def run(i: int) -> None:
        try:
            caller = type(bank)(bank.partner, bank.key_id, bank.secret, Client())
            barrier.wait()
            response = caller.pay("RACE-1", body)
            results[i] = (response.status_code, response.json())
        except Exception as exc:  # collected and asserted on below
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert all(isinstance(r, tuple) for r in results), results
    statuses = sorted(status for status, _body in results)
    assert set(statuses) <= {201, 409}, results
    assert 201 in statuses
    receipts = {b["receipt_number"] for s, b in results if s == 201}
    assert len(receipts) == 1
    assert all(b["code"] == "REQUEST_IN_FLIGHT" for s, b in results if s == 409)
    assert Payment.objects.count() == 1 and Receipt.objects.count() == 1
    assert IdempotencyRecord.objects.get().state == IdempotencyRecord.State.DONE
    assert ledger_check().ok
    # after the race, the key answers with the stored response
    again = type(bank)(bank.partner, bank.key_id, bank.secret, Client()).pay("RACE-1", body)
    assert again.status_code == 201 and again.json()["receipt_number"] in receipts
