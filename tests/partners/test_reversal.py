"""Partners reverse their own payments, the same business day, before settlement."""

from __future__ import annotations

import datetime as dt

import pytest

from kuwwa.billing.models import Bill
from kuwwa.collection.models import Payment, Receipt
from kuwwa.core.audit import audit_verify_all
from kuwwa.core.clock import business_date
from kuwwa.core.models import AuditEvent
from kuwwa.ledger.selectors import ledger_check
from kuwwa.organizations.models import Company
from kuwwa.partners.models import WebhookDelivery
from kuwwa.partners.payments import SYSTEM_APPROVER
from kuwwa.partners.webhooks import webhook_endpoint_set
from kuwwa.settlement.models import BusinessDay

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid(bank, billed_account) -> Payment:
    bill = Bill.objects.get(account=billed_account("03"))
    response = bank.pay("REV-1", {"account_number": bill.account.number, "amount": bill.total})
    assert response.status_code == 201
    return Payment.objects.get()


def test_reversal_the_same_day_restores_everything_and_is_audited(bank, paid) -> None:
    webhook_endpoint_set(actor=None, partner=bank.partner, url="http://127.0.0.1:9/hook")
    response = bank.post("/payments/REV-1/reversal", {"reason": "wrong_account", "note": "typo"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "reversed" and body["reversal_reason"] == "wrong_account"
    assert body["reversed_at"]
    paid.refresh_from_db()
    assert paid.status == Payment.Status.REVERSED
    assert paid.reversal_approved_by.username == SYSTEM_APPROVER
    assert paid.reversal_note == "partner test-bank: typo"
    bill = Bill.objects.get(pk=paid.allocations.get().bill_id)
    assert bill.paid == 0 and bill.status == Bill.Status.OPEN
    assert Receipt.objects.get().status == Receipt.Status.REVERSED
    event = AuditEvent.objects.get(action="partner.payment_reverse")
    assert event.data["partner"] == "test-bank" and event.data["key_id"] == bank.key_id
    assert AuditEvent.objects.filter(action="payment.reverse").count() == 1
    delivery = WebhookDelivery.objects.get()
    assert delivery.event == "payment.reversed"
    assert delivery.payload["data"]["reference"] == "REV-1"
    assert ledger_check().ok and audit_verify_all() == []
    approver = paid.reversal_approved_by
    assert not approver.has_usable_password() and not approver.is_staff


def test_control_characters_in_the_note_are_dropped(bank, paid) -> None:
    response = bank.post("/payments/REV-1/reversal", {"reason": "other", "note": "a\u0000b\nc"})
    assert response.status_code == 200
    paid.refresh_from_db()
    assert paid.reversal_note == "partner test-bank: abc"


def test_reversing_twice_returns_the_reversed_payment(bank, paid) -> None:
    bank.post("/payments/REV-1/reversal", {"reason": "duplicate"})
    again = bank.post("/payments/REV-1/reversal", {"reason": "duplicate"})
    assert again.status_code == 200 and again.json()["status"] == "reversed"
    assert AuditEvent.objects.filter(action="partner.payment_reverse").count() == 1


def test_no_reversal_after_the_business_day(bank, paid) -> None:
    Payment.objects.filter(pk=paid.pk).update(business_date=business_date() - dt.timedelta(days=1))
    response = bank.post("/payments/REV-1/reversal", {"reason": "duplicate"})
    assert response.status_code == 409
    assert response.json()["code"] == "REVERSAL_REFUSED"
    assert "refund" in response.json()["message_en"]
    paid.refresh_from_db()
    assert paid.status == Payment.Status.POSTED


def test_no_reversal_once_the_day_is_settled(bank, paid) -> None:
    BusinessDay.objects.create(
        company=Company.objects.get(code="00"), date=paid.business_date, state="settled"
    )
    response = bank.post("/payments/REV-1/reversal", {"reason": "duplicate"})
    assert response.status_code == 409 and response.json()["code"] == "REVERSAL_REFUSED"


def test_unknown_reference_and_bad_reason(bank, paid) -> None:
    assert bank.post("/payments/NOPE/reversal", {"reason": "duplicate"}).status_code == 404
    bad = bank.post("/payments/REV-1/reversal", {"reason": "because"})
    assert bad.status_code == 422 and bad.json()["code"] == "VALIDATION_FAILED"
