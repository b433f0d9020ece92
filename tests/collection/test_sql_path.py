"""The PostgreSQL payment path (kuwwa_payment_post, ADR 0008) must do exactly what the ORM
path does: same allocations, postings, refusals (same words), receipts, SMS and audit events
whose hashes `audit-verify` accepts."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import connection

from kuwwa.billing.models import Bill
from kuwwa.collection.models import Allocation, Payment, Receipt
from kuwwa.collection.services import payment_create
from kuwwa.collection.sqlpath import install_sql
from kuwwa.core.audit import audit_verify_all
from kuwwa.core.errors import ApplicationError
from kuwwa.core.models import AuditEvent, SmsMessage
from kuwwa.ledger.models import Posting
from kuwwa.ledger.selectors import ledger_check
from kuwwa.organizations.models import Company
from tests.conftest import bill_cycles_together

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("the SQL payment path exists on PostgreSQL only")


def _scenario(account: Any, counter_request: Any, cashier: Any) -> list[Any]:
    """Payments and refusals on an account billed (300, 450) kWh; what a user would see."""
    old, new = Bill.objects.filter(account=account).order_by("cycle__period_start")
    steps = [
        {"amount": 10_00},
        {"amount": 20_00, "bill_number": new.number},
        {"amount": 5_00, "bill_number": "999999999999999"},
        {"amount": old.total + new.total + 7_00},
        {"amount": 3_00},
        {"amount": 3_00, "bill_number": old.number},
        {"amount": 4_00, "bill_number": old.number, "to_credit": True},
        {
            "amount": 9_00,
            "to_credit": True,
            "client_reference": f'it\'s "q" \\ مرجع\t{account.number}',
        },
    ]
    seen: list[Any] = []
    for step in steps:
        try:
            result = payment_create(actor=cashier, request=counter_request(account, **step))
        except ApplicationError as exc:
            seen.append(("refused", exc.code, str(exc)))
            continue
        payment = result.payment
        seen.append(
            (
                "paid",
                payment.amount,
                payment.to_credit,
                sorted(
                    Allocation.objects.filter(payment_id=payment.pk).values_list(
                        "bill__cycle__code", "amount"
                    )
                ),
                result.receipt.number.rsplit("-", 1)[0],
            )
        )
    bills = list(
        Bill.objects.filter(account=account)
        .order_by("cycle__period_start")
        .values_list("paid", "status")
    )
    postings = sorted(
        Posting.objects.filter(
            entry__source_type="payment", entry__source_id__in=_payments(account)
        )
        .values_list("company__code", "ledger_account__code", "amount", "subscriber_id")
        .order_by()
    )
    postings = [(c, code, amount, sub == account.pk) for c, code, amount, sub in postings]
    events = [
        _anonymous(e.data, account)
        for e in AuditEvent.objects.filter(
            action="payment.create", object_id__in=[str(p) for p in _payments(account)]
        ).order_by("seq")
    ]
    sms = [
        _anonymous(text, account)
        for text in SmsMessage.objects.filter(phone=account.phone)
        .order_by("pk")
        .values_list("text", flat=True)
    ]
    return [seen, bills, postings, events, sms]


def _payments(account: Any) -> list[int]:
    return list(Payment.objects.filter(account=account).values_list("pk", flat=True))


def _anonymous(value: Any, account: Any) -> Any:
    """Hide what differs between two accounts: their numbers, bills and receipt numbers."""
    text = re.sub(r"ref-\d+", "REF", str(value)).replace(account.number, "ACCOUNT")
    for number in Bill.objects.filter(account=account).values_list("number", flat=True):
        text = text.replace(number, "BILL")
    for number in Receipt.objects.filter(account_number=account.number).values_list(
        "number", flat=True
    ):
        text = text.replace(number, "RECEIPT")
    return text


def _twins(make_account: Any, owner: str) -> tuple[Any, Any]:
    """Two accounts of one company billed the same (300 then 450 kWh) in the same cycles."""
    twins = (make_account(owner), make_account(owner))
    bill_cycles_together(list(twins), (300, 450))
    return twins


@pytest.mark.parametrize("owner", ["03", "01"])
def test_the_sql_path_does_what_the_orm_path_does(
    settings, make_account, cashier, counter_request, owner
):
    first, second = _twins(make_account, owner)
    settings.KUWWA_PAYMENT_SQL = False
    orm = _scenario(first, counter_request, cashier)
    settings.KUWWA_PAYMENT_SQL = True
    sql = _scenario(second, counter_request, cashier)
    assert sql == orm
    assert [step[0] for step in sql[0]].count("refused") == 3  # unknown bill, nothing due, paid
    assert audit_verify_all() == []
    assert ledger_check().ok


@pytest.mark.parametrize(("policy", "minimum"), [("exact", 0), ("minimum", 5_000_00)])
def test_policy_refusals_say_the_same_on_both_paths(
    settings, make_account, cashier, counter_request, policy, minimum
):
    Company.objects.filter(code="03").update(payment_policy=policy, payment_minimum=minimum)
    said = []
    for sql, account in zip((False, True), _twins(make_account, "03"), strict=True):
        settings.KUWWA_PAYMENT_SQL = sql
        with pytest.raises(ApplicationError) as err:
            payment_create(actor=cashier, request=counter_request(account, 1_00))
        said.append((err.value.code, str(err.value), err.value.params))
    assert said[0] == said[1] and said[0][0] == "AMOUNT_NOT_ALLOWED"


def test_a_receipt_from_the_sql_path_is_signed_when_printed(
    billed_account, cashier, counter_request
):
    from urllib.parse import parse_qs, urlparse

    from kuwwa.collection.documents import receipt_document
    from kuwwa.collection.verification import receipt_verify_qr

    account = billed_account("03")
    result = payment_create(actor=cashier, request=counter_request(account, 50_00))
    stored = Receipt.objects.get(pk=result.receipt.pk)
    assert stored.signature == ""  # deterministic: signed from its facts when printed
    query = parse_qs(urlparse(receipt_document(receipt=stored).qr_text).query)
    verdict = receipt_verify_qr(canonical_b64=query["c"][0], signature=query["s"][0])
    assert verdict.status == "authentic"
    assert Payment.objects.get(pk=result.payment.pk).receipt_number == stored.number


@pytest.mark.parametrize("prepared", [True, False])
def test_what_the_sql_path_returns_is_what_it_stored(
    settings, billed_account, cashier, counter_request, prepared
):
    """The payment and receipt the counter shows right away are the rows in the database; the
    call is a prepared statement of the connection unless KUWWA_DB_PREPARED is off."""
    settings.KUWWA_DB_PREPARED = prepared
    account = billed_account("01")
    for amount in (40_00, 30_00):
        result = payment_create(actor=cashier, request=counter_request(account, amount))
    for returned in (result.payment, result.receipt):
        stored = type(returned).objects.get(pk=returned.pk)
        fields = [f.attname for f in stored._meta.concrete_fields]
        assert [getattr(returned, f) for f in fields] == [getattr(stored, f) for f in fields]
        assert returned._state.adding is False
    assert result.payment.center == counter_request(account, 1).center  # cached, no query
    owner = result.payment.company  # the function's own row of the company: no query
    fields = [f.attname for f in owner._meta.concrete_fields]
    stored_owner = type(owner).objects.get(pk=owner.pk)
    assert [getattr(owner, f) for f in fields] == [getattr(stored_owner, f) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE '%%kuwwa_payment_post%%'"
        )
        assert cursor.fetchone()[0] == (1 if prepared else 0)


def test_the_installed_function_is_the_one_in_the_repository():
    """Changing sql/payment_post.sql without a migration that installs it again fails here."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT prosrc FROM pg_proc WHERE proname = 'kuwwa_payment_post'")
        (installed,) = cursor.fetchone()
    assert installed.strip() in install_sql()
