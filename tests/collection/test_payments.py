"""payment_create / payment_reverse: any company at any center, allocation, policy, idempotency,
ledger postings in both companies' books, receipts, and reversal rules."""

from __future__ import annotations

import datetime as dt

import pytest

from kuwwa.billing.models import Bill
from kuwwa.collection.errors import (
    AccountClosed,
    AmountNotAllowed,
    BillAlreadyPaid,
    IdempotencyKeyReused,
    NothingDue,
    ReversalRefused,
)
from kuwwa.collection.inquiry import account_summary, inquiry_find
from kuwwa.collection.models import Payment, Receipt
from kuwwa.collection.services import payment_create, payment_reverse
from kuwwa.core.errors import PermissionDenied
from kuwwa.core.models import SmsMessage
from kuwwa.ledger import chart
from kuwwa.ledger.selectors import ledger_balance, ledger_check, subscriber_balance
from kuwwa.organizations.models import Company
from kuwwa.organizations.roles import Role
from kuwwa.settlement.models import BusinessDay

pytestmark = pytest.mark.django_db


def _open(account) -> list[Bill]:
    return list(Bill.objects.filter(account=account).order_by("cycle__period_start"))


def test_a_cashier_of_company_01_collects_a_bill_of_company_03(
    billed_account, cashier, counter_request
):
    account = billed_account("03")
    bill = _open(account)[0]
    result = payment_create(actor=cashier, request=counter_request(account, bill.total))
    bill.refresh_from_db()
    assert bill.status == Bill.Status.PAID and bill.paid == bill.total
    assert result.receipt.number.startswith("01-0001-") and result.receipt.company.code == "01"
    assert result.payment.company.code == "03" and result.payment.collector.code == "01"
    # Collector's books: cash against due-to the owner; owner's: due-from against receivables.
    c01, c03 = Company.objects.get(code="01"), Company.objects.get(code="03")
    assert ledger_balance(company_id=c01.pk, code=chart.due_to("03")) == -bill.total
    assert ledger_balance(company_id=c03.pk, code=chart.due_from("01")) == bill.total
    assert subscriber_balance(company_id=c03.pk, subscriber_id=account.pk) == 0
    assert ledger_check().ok
    assert SmsMessage.objects.filter(phone=account.phone).exists() or not account.phone


def test_oldest_bills_first_and_the_rest_becomes_credit(billed_account, cashier, counter_request):
    account = billed_account("03", kwh=(300, 300))
    old, new = _open(account)
    payment_create(actor=cashier, request=counter_request(account, old.total + 1000))
    old.refresh_from_db()
    new.refresh_from_db()
    assert (old.status, new.paid) == (Bill.Status.PAID, 1000)
    overpay = payment_create(actor=cashier, request=counter_request(account, new.outstanding + 500))
    assert overpay.payment.to_credit == 500
    summary = account_summary(user=cashier, account=account)
    assert (summary.outstanding, summary.credit) == (0, 500)
    assert ledger_check().ok


def test_a_named_bill_is_paid_first(billed_account, cashier, counter_request):
    account = billed_account("03", kwh=(300, 300))
    old, new = _open(account)
    payment_create(
        actor=cashier, request=counter_request(account, new.total, bill_number=new.number)
    )
    new.refresh_from_db()
    old.refresh_from_db()
    assert new.status == Bill.Status.PAID and old.paid == 0


def test_a_paid_bill_is_refused_unless_paid_to_credit(billed_account, cashier, counter_request):
    account = billed_account("03")
    bill = _open(account)[0]
    payment_create(actor=cashier, request=counter_request(account, bill.total))
    with pytest.raises(BillAlreadyPaid) as err:
        payment_create(
            actor=cashier, request=counter_request(account, 100, bill_number=bill.number)
        )
    assert err.value.code == "BILL_ALREADY_PAID"
    with pytest.raises(NothingDue):
        payment_create(actor=cashier, request=counter_request(account, 100))
    advance = payment_create(
        actor=cashier,
        request=counter_request(account, 100_00, bill_number=bill.number, to_credit=True),
    )
    assert advance.payment.to_credit == 100_00


@pytest.mark.parametrize(
    ("policy", "minimum", "ok", "refused"),
    [("exact", 0, 1.0, 0.5), ("minimum", 5_000_00, 0.9, 0.001)],
)
def test_each_company_policy_for_partial_payments(
    billed_account, cashier, counter_request, policy, minimum, ok, refused
):
    account = billed_account("03")
    Company.objects.filter(code="03").update(payment_policy=policy, payment_minimum=minimum)
    bill = _open(account)[0]
    before = Payment.objects.count()
    with pytest.raises(AmountNotAllowed) as err:
        payment_create(actor=cashier, request=counter_request(account, int(bill.total * refused)))
    assert err.value.code == "AMOUNT_NOT_ALLOWED" and str(err.value)
    assert Payment.objects.count() == before
    payment_create(actor=cashier, request=counter_request(account, int(bill.total * ok)))


def test_the_same_reference_returns_the_same_result_never_a_second_payment(
    billed_account, cashier, counter_request
):
    account = billed_account("03")
    request = counter_request(account, 1000_00, client_reference="ABC-1")
    first = payment_create(actor=cashier, request=request)
    again = payment_create(actor=cashier, request=request)
    assert again.replayed and again.payment.pk == first.payment.pk
    assert again.receipt.number == first.receipt.number
    assert Payment.objects.count() == 1
    with pytest.raises(IdempotencyKeyReused) as err:
        payment_create(
            actor=cashier, request=counter_request(account, 2000_00, client_reference="ABC-1")
        )
    assert err.value.code == "IDEMPOTENCY_KEY_REUSED"
    assert Payment.objects.count() == 1


def test_receipt_numbers_are_gapless_per_center_and_year(billed_account, cashier, counter_request):
    account = billed_account("03", kwh=(300, 300))
    numbers = [
        payment_create(actor=cashier, request=counter_request(account, 10_00)).receipt.number
        for _ in range(3)
    ]
    year = dt.date.today().year
    assert numbers == [f"01-0001-{year}-{n:06d}" for n in (1, 2, 3)]
    assert Receipt.objects.filter(company__code="01").count() == 3


def test_refusals_change_nothing(billed_account, cashier, counter_request, make_account):
    account = billed_account("03")
    closed = make_account("03")
    closed.status = "closed"
    closed.save()
    before = (Payment.objects.count(), Receipt.objects.count(), SmsMessage.objects.count())
    for bad in (
        counter_request(account, 0),
        counter_request(account, -5),
        counter_request(account, 100, client_reference=" "),
        counter_request(account, 100, bill_number="999999999999999"),
        counter_request(closed, 100),
    ):
        with pytest.raises(Exception) as err:
            payment_create(actor=cashier, request=bad)
        assert getattr(err.value, "code", None), err.value
    with pytest.raises(AccountClosed):
        payment_create(actor=cashier, request=counter_request(closed, 100))
    assert (Payment.objects.count(), Receipt.objects.count(), SmsMessage.objects.count()) == before


def test_a_cashier_collects_only_at_their_own_center(billed_account, make_user, counter_request):
    account = billed_account("03")
    elsewhere = make_user(Role.CASHIER, "03", "0001", username="cashier03")
    with pytest.raises(PermissionDenied):
        payment_create(actor=elsewhere, request=counter_request(account, 100))


def test_reversal_restores_bills_ledger_and_receipt(
    billed_account, cashier, supervisor, counter_request
):
    account = billed_account("03")
    bill = _open(account)[0]
    paid = payment_create(actor=cashier, request=counter_request(account, bill.total + 700))
    with pytest.raises(PermissionDenied):
        payment_reverse(
            actor=cashier, payment=paid.payment, reason="wrong_amount", approver=cashier
        )
    payment_reverse(actor=cashier, payment=paid.payment, reason="wrong_amount", approver=supervisor)
    bill.refresh_from_db()
    paid.receipt.refresh_from_db()
    assert (bill.paid, bill.status) == (0, Bill.Status.OPEN)
    assert paid.receipt.status == Receipt.Status.REVERSED
    summary = account_summary(user=cashier, account=account)
    assert (summary.outstanding, summary.credit) == (bill.total, 0)
    assert ledger_check().ok
    with pytest.raises(ReversalRefused):
        payment_reverse(
            actor=cashier, payment=paid.payment, reason="wrong_amount", approver=supervisor
        )


def test_no_reversal_after_the_day_is_settled(billed_account, cashier, supervisor, counter_request):
    account = billed_account("03")
    paid = payment_create(actor=cashier, request=counter_request(account, 100_00))
    BusinessDay.objects.create(
        company=Company.objects.get(code="00"), date=paid.payment.business_date, state="settled"
    )
    with pytest.raises(ReversalRefused):
        payment_reverse(
            actor=cashier, payment=paid.payment, reason="duplicate", approver=supervisor
        )


def test_inquiry_by_account_bill_number_and_scanned_qr(billed_account, cashier):
    from kuwwa.billing.qr import bill_qr_text

    account = billed_account("03")
    bill = _open(account)[0]
    assert inquiry_find(user=cashier, text=account.number).account == account
    assert inquiry_find(user=cashier, text=bill.number).bill == bill
    scanned = bill_qr_text(
        account_number=account.number, bill_number=bill.number, amount_minor=bill.total
    )
    arabic = scanned.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    found = inquiry_find(user=cashier, text=arabic)
    assert (found.account, found.bill) == (account, bill)
    summary = account_summary(user=cashier, account=account)
    assert summary.holder.endswith("***") and summary.company_code == "03"
    assert summary.open_bills[0].number == bill.number and summary.consumption[-1].kwh == 450


def test_credit_is_applied_to_the_next_bill(billed_account, cashier, counter_request):
    from kuwwa.billing.cycles import cycle_open
    from kuwwa.billing.readings import reading_submit
    from kuwwa.billing.run import billing_run

    account = billed_account("03")
    bill = _open(account)[0]
    payment_create(actor=cashier, request=counter_request(account, bill.total + 50_000_00))
    cycle = cycle_open(actor=None, company=account.company, code="2026-04")
    reading_submit(
        actor=None, account=account, value=900, read_on=cycle.reading_window_start, source="reader"
    )
    billing_run(actor=None, company=account.company, cycle=cycle)
    new = Bill.objects.get(account=account, cycle=cycle)
    assert new.credit_applied == 50_000_00 and new.paid == 50_000_00
    assert new.status == Bill.Status.PARTLY_PAID
    summary = account_summary(user=cashier, account=account)
    assert summary.credit == 0 and summary.outstanding == new.total - 50_000_00
    assert ledger_check().ok
