"""Two channels paying the same bill at the same moment never over-allocate it, and one client
reference sent at once from many threads makes one payment (real threads, own connections;
PostgreSQL row locks and SQLite's immediate transactions)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections

from kuwwa.billing.models import Bill
from kuwwa.cashiering.services import shift_open
from kuwwa.collection.models import Allocation, Payment, Receipt
from kuwwa.collection.services import PaymentRequest, payment_create
from kuwwa.ledger.selectors import ledger_check
from kuwwa.organizations.models import CollectionCenter, Partner
from kuwwa.organizations.roles import Role

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
THREADS = 8


def _race(work: Callable[[int], Any]) -> list[Any]:
    barrier = threading.Barrier(THREADS)
    results: list[Any] = [None] * THREADS

    def run(i: int) -> None:
        try:
            barrier.wait()
            results[i] = work(i)
        except Exception as exc:  # collected and asserted on by the test
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results


def _partner_center() -> tuple[Partner, CollectionCenter]:
    partner = Partner.objects.create(code="bank-x", name_ar="مصرف", name_en="Bank X", kind="bank")
    center = CollectionCenter.objects.create(
        company_id=Partner.objects.none()
        .model._meta.apps.get_model("organizations", "Company")
        .objects.get(code="00")
        .pk,
        code="9100",
        name_ar="مصرف",
        kind="virtual",
        partner=partner,
    )
    return partner, center


def test_concurrent_payments_of_one_bill_never_over_allocate(billed_account, make_user, center):
    account = billed_account("03")
    bill = Bill.objects.get(account=account)
    cashier = make_user(Role.CASHIER, "01", "0001", username="race-cashier")
    shift = shift_open(actor=cashier, opening_float=0)
    partner, bank = _partner_center()

    def pay(i: int) -> Any:
        if i % 2:
            request = PaymentRequest(
                account_number=account.number,
                amount=bill.total,
                center=bank,
                client_reference=f"bank-{i}",
                channel="bank",
                tender="transfer",
                partner=partner,
                bill_number=bill.number,
            )
            return payment_create(actor=None, request=request)
        request = PaymentRequest(
            account_number=account.number,
            amount=bill.total,
            center=center("01"),
            client_reference=f"counter-{i}",
            bill_number=bill.number,
            shift_id=shift.pk,
        )
        return payment_create(actor=cashier, request=request)

    results = _race(pay)
    successes = [r for r in results if not isinstance(r, Exception)]
    refusals = [r for r in results if isinstance(r, Exception)]
    assert len(successes) == 1, results
    assert all(getattr(r, "code", "") == "BILL_ALREADY_PAID" for r in refusals), refusals
    bill.refresh_from_db()
    allocated = sum(Allocation.objects.filter(bill=bill).values_list("amount", flat=True))
    assert bill.paid == allocated == bill.total
    assert ledger_check().ok


def test_one_reference_from_many_threads_is_one_payment(billed_account, make_user, center):
    account = billed_account("03")
    cashier = make_user(Role.CASHIER, "01", "0001", username="dup-cashier")
    shift = shift_open(actor=cashier, opening_float=0)
    request = PaymentRequest(
        account_number=account.number,
        amount=1000_00,
        center=center("01"),
        client_reference="SAME-KEY",
        shift_id=shift.pk,
    )
    results = _race(lambda i: payment_create(actor=cashier, request=request))
    assert not [r for r in results if isinstance(r, Exception)], results
    assert len({r.payment.pk for r in results}) == 1
    assert sum(1 for r in results if not r.replayed) == 1
    assert Payment.objects.count() == 1 and Receipt.objects.count() == 1
    assert connection.vendor in ("postgresql", "sqlite")


def test_senders_at_work_at_once_send_each_sms_once(settings, monkeypatch) -> None:
    """Several `kuwwa sms-send` services share the queue: each message goes out once."""
    if connection.vendor != "postgresql":
        pytest.skip("several senders need row locks that skip (PostgreSQL)")
    import time

    from kuwwa.core.models import SmsMessage
    from kuwwa.core.sms import HttpGatewayBackend, sms_send_queued
    from kuwwa.organizations.models import Company

    settings.KUWWA_SMS_BACKEND = "http"
    sent: list[str] = []

    def send(self: Any, *, phone: str, text: str) -> str:
        time.sleep(0.01)  # a gateway takes a moment: the senders overlap
        sent.append(text)
        return "gw"

    monkeypatch.setattr(HttpGatewayBackend, "send", send)
    company = Company.objects.get(code="01")
    for n in range(40):
        SmsMessage.objects.create(company=company, phone="0944000000", text=f"m{n}")
    taken = _race(lambda _i: sms_send_queued(limit=1000))
    assert sum(taken) == 40, taken
    assert sorted(sent) == sorted(f"m{n}" for n in range(40))
    assert set(SmsMessage.objects.values_list("status", flat=True)) == {"sent"}
