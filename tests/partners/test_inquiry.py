"""Bill inquiry: owner, masked holder, open bills and what the owner accepts."""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote

import pytest
from django.utils import timezone

from kuwwa.billing.models import Bill
from kuwwa.organizations.models import Company

pytestmark = pytest.mark.django_db


def test_inquiry_shows_owner_bills_and_allowed_amounts(bank, billed_account) -> None:
    account = billed_account("03", kwh=(300, 200))
    bills = list(Bill.objects.filter(account=account).order_by("cycle__period_start"))
    response = bank.get(f"/accounts/{account.number}")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["owner_company"]["code"] == "03"
    assert body["owner_company"]["name_en"] == "Aleppo Electricity Company"
    assert body["holder_masked"] == "محمد ع*** ا***"
    assert "محمد علي" not in response.content.decode()
    assert [b["number"] for b in body["open_bills"]] == [b.number for b in bills]
    assert body["amount_due"] == sum(b.total for b in bills)
    assert isinstance(body["amount_due"], int)
    assert body["allowed_amounts"] == {
        "policy": "any",
        "minimum": 1,
        "maximum": None,
        "to_credit_only": False,
    }
    assert body["payable"] is True and body["currency"] == "SYP"


@pytest.mark.parametrize(
    ("policy", "minimum", "expected"),
    [
        ("exact", 0, lambda due: (due, due)),
        ("minimum", 10_000_00, lambda due: (min(10_000_00, due), None)),
        ("minimum", 10**12, lambda due: (due, None)),
    ],
)
def test_allowed_amounts_follow_the_owner_policy(bank, billed_account, policy, minimum, expected):
    Company.objects.filter(code="03").update(payment_policy=policy, payment_minimum=minimum)
    account = billed_account("03")
    body = bank.get(f"/accounts/{account.number}").json()
    rule = body["allowed_amounts"]
    assert rule["policy"] == policy
    assert (rule["minimum"], rule["maximum"]) == expected(body["amount_due"])


def test_number_typed_with_arabic_digits_and_dashes(bank, billed_account) -> None:
    account = billed_account("03")
    arabic = account.number.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    typed = f"{arabic[:2]}-{arabic[2:10]}-{arabic[10:]}"
    on_the_wire = quote(f"/api/v1/partner/accounts/{typed}")  # what the client sends and signs
    response = bank.get(f"/accounts/{typed}", sign_path=on_the_wire)
    assert response.status_code == 200, response.content
    assert response.json()["account_number"] == account.number


def test_bad_numbers_are_4xx_with_stable_codes(bank, billed_account) -> None:
    account = billed_account("03")
    wrong_digit = account.number[:-1] + str((int(account.number[-1]) + 1) % 10)
    response = bank.get(f"/accounts/{wrong_digit}")
    assert response.status_code == 400
    assert response.json()["code"] == "INVALID_ACCOUNT_NUMBER"
    for text in ("abc", "99" + "0" * 10, "1" * 40):
        assert bank.get(f"/accounts/{text}").json()["code"] == "INVALID_ACCOUNT_NUMBER"
    assert bank.get(f"/accounts/{'1' * 41}").status_code == 422
    missing = "030000999999"
    from kuwwa.core.ids import mod97_check_digits

    missing = missing[:10] + mod97_check_digits(missing[:10])
    response = bank.get(f"/accounts/{missing}")
    assert response.status_code == 404 and response.json()["code"] == "ACCOUNT_NOT_FOUND"


def test_nothing_due_allows_only_payment_to_credit(bank, make_account) -> None:
    account = make_account("05")
    body = bank.get(f"/accounts/{account.number}").json()
    assert body["amount_due"] == 0 and body["open_bills"] == []
    assert body["allowed_amounts"]["to_credit_only"] is True


def test_inquiry_agrees_with_the_back_office_after_part_and_over_payments(
    bank, billed_account
) -> None:
    """The partner sees what the company's own staff see: what each bill still owes, in
    order, the subscriber's credit, and which bills are overdue."""
    from kuwwa.collection.inquiry import account_summary

    account = billed_account("03", kwh=(300, 200))
    first, second = Bill.objects.filter(account=account).order_by("cycle__period_start")
    Bill.objects.filter(pk=first.pk).update(due_date=timezone.localdate() - dt.timedelta(days=1))
    Bill.objects.filter(pk=second.pk).update(due_date=timezone.localdate())  # due today: not late
    part = first.total // 3
    paid = bank.post(
        "/payments",
        {"account_number": account.number, "amount": part},
        headers={"Idempotency-Key": "PART-1"},
    )
    assert paid.status_code == 201, paid.content
    body = bank.get(f"/accounts/{account.number}").json()
    assert [(b["number"], b["outstanding"], b["overdue"]) for b in body["open_bills"]] == [
        (first.number, first.total - part, True),
        (second.number, second.total, False),
    ]
    assert body["amount_due"] == first.total + second.total - part and body["credit"] == 0

    over = bank.post(
        "/payments",
        {"account_number": account.number, "amount": body["amount_due"] + 5_000_00},
        headers={"Idempotency-Key": "OVER-1"},
    )
    assert over.status_code == 201, over.content
    body = bank.get(f"/accounts/{account.number}").json()
    staff = account_summary(user=None, account=account)
    assert body["open_bills"] == [] and staff.open_bills == ()
    assert body["credit"] == staff.credit == 5_000_00
    assert body["allowed_amounts"]["to_credit_only"] is True
