"""The same callback arriving at once from several threads (the browser and the bank's server)
makes one payment (real threads with their own connections)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connections

from kuwwa.collection.models import Payment, Receipt
from kuwwa.portal.models import PaymentSession
from kuwwa.portal.payments import pay_session_complete, pay_session_start

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
THREADS = 6


def test_simultaneous_callbacks_pay_once(account, sandbox) -> None:
    session = pay_session_start(
        account=account, partner_code="sandbox-bank", bill_numbers=[], amount=100_000
    )
    barrier = threading.Barrier(THREADS)
    results: list[Any] = [None] * THREADS

    def run(i: int) -> None:
        try:
            barrier.wait()
            results[i] = pay_session_complete(
                reference=session.reference,
                partner_code="sandbox-bank",
                status="paid",
                amount=100_000,
                partner_txn=f"T{i}",
            ).receipt_number
        except Exception as exc:  # collected and asserted on below
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert all(isinstance(r, str) for r in results), results
    assert len(set(results)) == 1
    assert Payment.objects.count() == 1 and Receipt.objects.count() == 1
    assert PaymentSession.objects.get().status == "paid"
