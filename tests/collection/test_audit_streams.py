"""Payments are audited on the chain of the center that collected them (ADR 0009): two
centers never wait on one company-wide lock, and every chain still verifies and betrays a
changed event."""

from __future__ import annotations

import pytest
from django.db import connection

from kuwwa.cashiering.models import Shift
from kuwwa.cashiering.services import shift_open
from kuwwa.collection.services import PaymentRequest, payment_create
from kuwwa.core.audit import audit_verify_all, audit_verify_chain
from kuwwa.core.models import AuditChain, AuditEvent
from kuwwa.organizations.roles import Role

pytestmark = pytest.mark.django_db


def _pay_at(center, cashier, account, amount: int, reference: str):
    shift = Shift.objects.filter(cashier=cashier, status="open").first() or shift_open(
        actor=cashier, opening_float=0
    )
    return payment_create(
        actor=cashier,
        request=PaymentRequest(
            account_number=account.number,
            amount=amount,
            center=center,
            client_reference=reference,
            shift_id=shift.pk,
        ),
    )


def test_payments_of_two_centers_go_to_two_chains_that_verify(
    billed_account, make_user, center, company
):
    account = billed_account("03")
    first = make_user(Role.CASHIER, "01", "0001", username="c1")
    second = make_user(Role.CASHIER, "02", "0007", username="c2")
    _pay_at(center("01", "0001"), first, account, 10_00, "a-1")
    _pay_at(center("01", "0001"), first, account, 11_00, "a-2")
    _pay_at(center("02", "0007"), second, account, 12_00, "b-1")

    owner = company("03")
    payments = AuditEvent.objects.filter(company=owner, action="payment.create")
    by_stream = sorted(payments.values_list("stream", "seq"))
    assert by_stream == [("payments 01-0001", 1), ("payments 01-0001", 2), ("payments 02-0007", 1)]
    assert not AuditEvent.objects.filter(company=owner, stream="", action="payment.create")
    heads = dict(AuditChain.objects.filter(company=owner).values_list("stream", "seq"))
    assert heads["payments 01-0001"] == 2 and heads["payments 02-0007"] == 1
    assert audit_verify_all() == []


def test_a_changed_payment_event_is_found_on_its_chain(billed_account, make_user, center):
    account = billed_account("03")
    cashier = make_user(Role.CASHIER, "01", "0001", username="c1")
    _pay_at(center("01", "0001"), cashier, account, 10_00, "a-1")
    event = AuditEvent.objects.get(action="payment.create")
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {AuditEvent._meta.db_table} SET data = %s WHERE id = %s",
            ['{"amount": 1}', event.pk],
        )
    found = audit_verify_chain(event.company_id, event.stream)
    assert found is not None and found.seq == 1 and "changed" in found.reason
    assert "stream payments 01-0001" in str(found)
    assert [str(b) for b in audit_verify_all()] == [str(found)]
