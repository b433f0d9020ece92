"""Tender and deposit control: expected cash = float + cash payments − reversals − handovers;
nothing is paid on a closed shift; over/short is posted and approved by someone else."""

from __future__ import annotations

import itertools

import pytest
from django.db import IntegrityError, transaction

from kuwwa.cashiering.errors import NoOpenShift, ShiftConflict
from kuwwa.cashiering.models import Shift
from kuwwa.cashiering.services import (
    deposit_create,
    handover_confirm,
    handover_create,
    shift_approve,
    shift_close,
    shift_expected_cash,
    shift_open,
    vault_balance,
)
from kuwwa.collection.models import Payment
from kuwwa.collection.services import PaymentRequest, payment_create, payment_reverse
from kuwwa.core.errors import PermissionDenied
from kuwwa.ledger import chart
from kuwwa.ledger.selectors import ledger_balance, ledger_check
from kuwwa.organizations.models import CollectionCenter

pytestmark = pytest.mark.django_db
refs = itertools.count()


def pay(cashier, shift, account, amount, tender="cash"):
    center = CollectionCenter.objects.get(pk=shift.center_id)
    return payment_create(
        actor=cashier,
        request=PaymentRequest(
            account_number=account.number,
            amount=amount,
            center=center,
            client_reference=f"s-{next(refs)}",
            shift_id=shift.pk,
            tender=tender,
        ),
    )


def test_expected_cash_is_float_plus_cash_less_reversals_and_handovers(
    billed_account, cashier, supervisor
):
    account = billed_account("03", kwh=(900,))
    shift = shift_open(actor=cashier, opening_float=50_000_00)
    first = pay(cashier, shift, account, 20_000_00)
    pay(cashier, shift, account, 30_000_00)
    pay(cashier, shift, account, 7_000_00, tender="card")  # not cash: not in the drawer
    payment_reverse(
        actor=cashier, payment=first.payment, reason="wrong_amount", approver=supervisor
    )
    handover = handover_create(actor=cashier, shift=shift, count={"5000": 4})
    handover_confirm(actor=supervisor, handover=handover)
    cash_paid = sum(
        Payment.objects.filter(shift_id=shift.pk, tender="cash").values_list("amount", flat=True)
    )
    reversed_cash = sum(
        Payment.objects.filter(shift_id=shift.pk, tender="cash", status="reversed").values_list(
            "amount", flat=True
        )
    )
    expected = 50_000_00 + cash_paid - reversed_cash - 20_000_00
    assert shift_expected_cash(shift=shift) == expected == 60_000_00
    assert vault_balance(center=shift.center) == -50_000_00 + 20_000_00
    assert ledger_check().ok


def test_blind_count_posts_the_shortage_and_waits_for_another_persons_approval(
    billed_account, cashier, supervisor
):
    account = billed_account("03", kwh=(900,))
    shift = shift_open(actor=cashier, opening_float=0)
    pay(cashier, shift, account, 26_000_00)
    closed = shift_close(actor=cashier, shift=shift, count={"5000": 5})  # 25,000: 1,000 short
    assert (closed.expected, closed.counted, closed.over_short) == (26_000_00, 25_000_00, -1_000_00)
    assert closed.status == Shift.Status.CLOSED
    assert ledger_balance(company_id=shift.company_id, code=chart.OVER_SHORT) == 1_000_00
    assert shift_expected_cash(shift=shift) == 0
    with pytest.raises(PermissionDenied):
        shift_approve(actor=cashier, shift=closed)
    approved = shift_approve(actor=supervisor, shift=closed)
    assert approved.status == Shift.Status.APPROVED and approved.approved_by == supervisor
    assert ledger_check().ok


def test_nothing_can_be_paid_on_a_closed_shift(billed_account, cashier):
    account = billed_account("03")
    shift = shift_open(actor=cashier, opening_float=0)
    shift_close(actor=cashier, shift=shift, count={})
    before = Payment.objects.count()
    with pytest.raises(NoOpenShift):
        pay(cashier, shift, account, 100)
    assert Payment.objects.count() == before


def test_one_open_shift_per_cashier_is_a_database_rule(cashier):
    shift = shift_open(actor=cashier, opening_float=0)
    with pytest.raises(ShiftConflict):
        shift_open(actor=cashier, opening_float=0)
    with pytest.raises(IntegrityError), transaction.atomic():
        Shift.objects.create(
            company_id=shift.company_id,
            center=shift.center,
            cashier=cashier,
            opening_float=0,
            opened_at=shift.opened_at,
        )


def test_a_closed_shift_cannot_be_reversed_into(billed_account, cashier, supervisor):
    from kuwwa.collection.errors import ReversalRefused

    account = billed_account("03")
    shift = shift_open(actor=cashier, opening_float=0)
    paid = pay(cashier, shift, account, 5_000_00)
    shift_close(actor=cashier, shift=shift, count={"5000": 10})
    with pytest.raises(ReversalRefused):
        payment_reverse(
            actor=cashier, payment=paid.payment, reason="duplicate", approver=supervisor
        )


def test_a_deposit_takes_closed_shifts_cash_from_the_vault_to_the_bank(
    billed_account, cashier, supervisor
):
    account = billed_account("03", kwh=(900,))
    shift = shift_open(actor=cashier, opening_float=0)
    pay(cashier, shift, account, 10_000_00)
    shift_close(actor=cashier, shift=shift, count={"5000": 2})
    vault_before = vault_balance(center=shift.center)
    with pytest.raises(PermissionDenied):
        deposit_create(actor=cashier, shifts=[shift], slip_number="S-1")
    deposit = deposit_create(actor=supervisor, shifts=[shift], slip_number="S-1", bank_name="CBS")
    assert deposit.amount == 10_000_00
    assert vault_balance(center=shift.center) == vault_before - 10_000_00
    assert ledger_balance(company_id=shift.company_id, code=chart.BANK) == 10_000_00
    with pytest.raises(ShiftConflict):
        deposit_create(actor=supervisor, shifts=[shift], slip_number="S-2")
    assert ledger_check().ok


def test_a_handover_cannot_exceed_the_drawer_and_needs_the_supervisor(cashier, supervisor):
    from kuwwa.core.errors import ValidationFailed

    shift = shift_open(actor=cashier, opening_float=10_000_00)
    with pytest.raises(ValidationFailed):
        handover_create(actor=cashier, shift=shift, count={"5000": 3})
    with pytest.raises(ValidationFailed):
        handover_create(actor=cashier, shift=shift, count={"7": 1})
    handover = handover_create(actor=cashier, shift=shift, count={"5000": 1})
    with pytest.raises(PermissionDenied):
        handover_confirm(actor=cashier, handover=handover)
    with pytest.raises(ShiftConflict):
        shift_close(actor=cashier, shift=shift, count={"5000": 2})
    handover_confirm(actor=supervisor, handover=handover)
    assert shift_expected_cash(shift=shift) == 5_000_00
