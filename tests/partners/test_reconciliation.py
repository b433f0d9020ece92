"""Daily reconciliation: every reference classified, the run stored for the back office."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from kuwwa.collection.models import Payment
from kuwwa.core.clock import business_date
from kuwwa.organizations.roles import Role
from kuwwa.partners.models import ReconciliationLine, ReconciliationRun

pytestmark = pytest.mark.django_db


@pytest.fixture
def day_of_payments(bank, billed_account):
    """Five payments of the bank today (one reversed) and one of another day."""
    accounts = [billed_account(code) for code in ("03", "04", "05")]
    for n, amount in enumerate((100_00, 200_00, 300_00, 400_00, 500_00), start=1):
        account = accounts[n % 3]
        body = {"account_number": account.number, "amount": amount}
        assert bank.pay(f"R-{n}", body).status_code == 201
    bank.post("/payments/R-5/reversal", {"reason": "duplicate"})
    bank.pay("R-OLD", {"account_number": accounts[0].number, "amount": 50_00})
    Payment.objects.filter(client_reference__endswith=":R-OLD").update(
        business_date=business_date() - dt.timedelta(days=1)
    )
    return {p.client_reference.split(":")[1]: p for p in Payment.objects.select_related("account")}


def _csv(rows: list[tuple[str, str, int]]) -> bytes:
    lines = ["reference,account_number,amount,paid_at"]
    lines += [f"{r},{a},{m},2026-11-28T10:00:00+03:00" for r, a, m in rows]
    return ("\n".join(lines) + "\n").encode()


def test_each_reference_is_classified(bank, day_of_payments) -> None:
    p = day_of_payments
    assert p["R-1"].account_id != p["R-3"].account_id
    rows = [
        ("R-1", p["R-1"].account.number, 100_00),  # matched
        ("R-2", p["R-2"].account.number, 250_00),  # amount mismatch
        ("R-3", p["R-1"].account.number, 300_00),  # account mismatch
        ("R-5", p["R-5"].account.number, 500_00),  # reversed here
        ("R-OLD", p["R-OLD"].account.number, 50_00),  # another business day here
        ("R-X", "030000000145", 10_00),  # unknown here
    ]  # R-4 is not listed: missing there
    day = business_date().isoformat()
    response = bank.post(
        f"/reconciliations?business_date={day}", raw=_csv(rows), content_type="text/csv"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["partner_count"], body["kuwwa_count"]) == (6, 4)
    assert body["matched"] == 1 and body["amount_mismatch"] == 1
    assert body["account_mismatch"] == 1 and body["missing_there"] == 1
    assert body["missing_here"] == 3
    assert body["kuwwa_total"] == 100_00 + 200_00 + 300_00 + 400_00
    by_ref = {e["reference"]: e for e in body["exceptions"]}
    assert "R-1" not in by_ref
    assert by_ref["R-4"]["status"] == "missing_there" and by_ref["R-4"]["kuwwa_amount"] == 400_00
    assert by_ref["R-2"] | {"partner_amount": 250_00, "kuwwa_amount": 200_00} == by_ref["R-2"]
    assert by_ref["R-5"]["note"] == "reversed in Kuwwa"
    assert "another business day" in by_ref["R-OLD"]["note"]
    assert by_ref["R-X"]["receipt_number"] is None and by_ref["R-2"]["line"] == 3
    run = ReconciliationRun.objects.get()
    assert run.lines.count() == 7 and run.source_format == "csv"
    assert bank.get(f"/reconciliations/{run.pk}").json() == body


def test_json_upload_all_matched(bank, day_of_payments) -> None:
    p = day_of_payments
    payments = [
        {"reference": r, "account_number": p[r].account.number, "amount": p[r].amount}
        for r in ("R-1", "R-2", "R-3", "R-4")
    ]
    response = bank.post(
        f"/reconciliations?business_date={business_date().isoformat()}", {"payments": payments}
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["matched"] == 4 and body["exceptions"] == []
    assert ReconciliationRun.objects.get().is_clean


def test_another_partner_cannot_read_the_run(bank, wallet, day_of_payments) -> None:
    day = business_date().isoformat()
    run_id = bank.post(f"/reconciliations?business_date={day}", {"payments": []}).json()["id"]
    response = wallet.get(f"/reconciliations/{run_id}")
    assert response.status_code == 404 and response.json()["code"] == "RECONCILIATION_NOT_FOUND"
    wallet_run = wallet.post(f"/reconciliations?business_date={day}", {"payments": []}).json()
    assert wallet_run["kuwwa_count"] == 0  # the bank's payments are not the wallet's


@pytest.mark.parametrize(
    ("raw", "content_type", "status"),
    [
        (b"reference,amount\nR-1,5\n", "text/csv", 400),
        (b"reference,account_number,amount\nR-1,03,5.5\n", "text/csv", 400),
        (b"reference,account_number,amount\nR-1,03,5\nR-1,03,6\n", "text/csv", 400),
        (b"reference,account_number,amount,paid_at\nR-1,03,5,yesterday\n", "text/csv", 400),
        (b"reference,account_number,amount\n\xff\xfe,1,2\n", "text/csv", 400),
        (b'reference,account_number,amount\n"R-1,03,5\n', "text/csv", 400),
        (b"\n", "text/csv", 400),
        (b"{", "application/json", 400),
        (b'{"payments": {}}', "application/json", 400),
        (
            b'{"payments": [{"reference": "R 1", "account_number": "1", "amount": 1}]}',
            "application/json",
            400,
        ),
        (
            b'{"payments": [{"reference": "R-1", "account_number": "1", "amount": 1.5}]}',
            "application/json",
            400,
        ),
        (b'{"payments": [7]}', "application/json", 400),
        (b"<xml/>", "application/xml", 415),
    ],
)
def test_bad_uploads_are_4xx(bank, raw: bytes, content_type: str, status: int) -> None:
    day = business_date().isoformat()
    response = bank.post(
        f"/reconciliations?business_date={day}", raw=raw, content_type=content_type
    )
    assert response.status_code == status, response.content
    assert response.json()["code"] in ("VALIDATION_FAILED", "UNSUPPORTED_MEDIA_TYPE")
    assert not ReconciliationRun.objects.exists()


def test_control_characters_in_an_account_never_reach_the_database(bank) -> None:
    day = business_date().isoformat()
    raw = b"reference,account_number,amount\nR-1,0\x003\x01,5\n"
    response = bank.post(f"/reconciliations?business_date={day}", raw=raw, content_type="text/csv")
    assert response.status_code == 201
    assert response.json()["exceptions"][0]["partner_account"] == "03"


def test_a_future_day_and_a_bad_date_are_refused(bank) -> None:
    future = (business_date() + dt.timedelta(days=2)).isoformat()
    assert bank.post(f"/reconciliations?business_date={future}", []).status_code == 400
    assert bank.post("/reconciliations?business_date=2026-13-45", []).status_code == 422


def test_the_back_office_shows_runs_to_establishment_staff_only(bank, day_of_payments, make_user):
    day = business_date().isoformat()
    bank.post(f"/reconciliations?business_date={day}", {"payments": []})
    run = ReconciliationRun.objects.get()
    est = Client()
    est.force_login(make_user(Role.AUDITOR, username="aud"))
    page = est.get(f"/admin/partners/reconciliationrun/{run.pk}/change/")
    assert page.status_code == 200
    assert "R-4" in page.content.decode()
    assert est.get("/admin/partners/reconciliationrun/").status_code == 200
    company = Client()
    company.force_login(make_user(Role.COMPANY_ADMIN, "01", username="c01"))
    assert company.get("/admin/partners/reconciliationrun/").status_code == 403
    assert ReconciliationLine.objects.filter(status="missing_there").count() == 4
