"""The counter and supervisor screens through Django's test client: the whole cashier day
(open, look up, pay, reverse with a supervisor's override, hand over, blind close, Z report)
and the supervisor's approvals and deposit; every refusal shown in place in the user's
language; access by scope; bounded query counts."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from kuwwa.accounts.models import Account
from kuwwa.billing.models import Bill
from kuwwa.billing.qr import bill_qr_text
from kuwwa.cashiering.denominations import denominations
from kuwwa.cashiering.errors import NoOpenShift
from kuwwa.cashiering.models import Handover, Shift
from kuwwa.cashiering.services import shift_open, vault_balance
from kuwwa.collection.errors import AccountClosed, BillAlreadyPaid
from kuwwa.collection.models import Payment
from kuwwa.core.digits import to_arabic_digits
from kuwwa.core.errors import AccountNotFound
from kuwwa.organizations.models import Company
from kuwwa.organizations.roles import Role

pytestmark = pytest.mark.django_db
PASSWORD = "pw-for-tests-123"  # tests/conftest.py make_user


def client_for(user, language: str = "ar") -> Client:
    client = Client()
    client.force_login(user)
    if language != "ar":
        client.post("/i18n/setlang/", {"language": language, "next": "/"})
    return client


def htmx_post(client: Client, url: str, data: dict):
    return client.post(url, data, headers={"HX-Request": "true"})


def in_language(language: str, error) -> str:
    with translation.override(language):
        return str(error)


def alert_texts(html: str) -> list[str]:
    return [
        re.sub(r"\s+", " ", m).strip()
        for m in re.findall(r'role="alert"[^>]*>(.*?)</', html, flags=re.S)
    ]


def notes_for(amount: int) -> dict[str, str]:
    """The count form's fields for an amount, largest notes first."""
    notes = {}
    for face in denominations():
        pieces, amount = divmod(amount, face * 100)
        if pieces:
            notes[f"n{face}"] = str(pieces)
    assert amount == 0
    return notes


def hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert match, name
    return match.group(1)


@pytest.fixture
def shift(cashier):
    return shift_open(actor=cashier, opening_float=10_000_00)


@pytest.fixture
def account(billed_account):
    """An account of company 03 (Aleppo) with one open bill; the cashier is at 01-0001."""
    return billed_account("03")


def lookup(client: Client, text: str):
    return htmx_post(client, "/counter/lookup/", {"q": text})


def pay(client: Client, lookup_html: str, **overrides):
    data = {
        "account_number": hidden(lookup_html, "account_number"),
        "bill_number": hidden(lookup_html, "bill_number"),
        "client_reference": hidden(lookup_html, "client_reference"),
        "amount": re.search(r'id="pay-amount" name="amount"[^>]*value="([^"]*)"', lookup_html)[1],
        "tender": "cash",
        "tendered": "",
    }
    data.update(overrides)
    return htmx_post(client, "/counter/pay/", data)


# --- access ---------------------------------------------------------------------------------


def test_anonymous_is_sent_to_the_login_page(client) -> None:
    response = client.get("/counter/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=/counter/")
    htmx = client.post("/counter/lookup/", {"q": "x"}, headers={"HX-Request": "true"})
    assert htmx.status_code == 204 and htmx["HX-Redirect"].startswith("/login/")
    page = client.get("/login/")
    assert page.status_code == 200 and 'dir="rtl"' in page.content.decode()


def test_login_page_logs_a_cashier_in_to_the_counter(client, cashier) -> None:
    response = client.post("/login/", {"username": "cashier01", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/start/"
    assert client.get("/start/")["Location"] == "/counter/"  # center staff land at the counter
    assert client.get("/counter/").status_code == 200


@pytest.mark.parametrize("url", ["/counter/", "/counter/shift/", "/counter/supervisor/"])
def test_company_staff_and_establishment_get_403(make_user, url) -> None:
    for user in (make_user(Role.COMPANY_ADMIN, "01"), make_user(None)):
        response = client_for(user).get(url)
        assert response.status_code == 403
        assert 'role="alert"' in response.content.decode()


def test_a_cashier_cannot_open_the_supervisor_screens(cashier) -> None:
    client = client_for(cashier)
    assert client.get("/counter/supervisor/").status_code == 403
    assert client.post("/counter/supervisor/deposits/", {}).status_code == 403


def test_csrf_token_travels_in_the_htmx_header(cashier, shift) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(cashier)
    html = client.get("/counter/").content.decode()
    token = re.search(r'hx-headers=\'\{"X-CSRFToken": "([^"]+)"\}\'', html)[1]
    assert client.post("/counter/lookup/", {"q": "1"}).status_code == 403
    ok = client.post("/counter/lookup/", {"q": "1"}, headers={"X-CSRFToken": token})
    assert ok.status_code == 422  # reached the view: an in-place error, not a CSRF refusal


# --- open a shift ---------------------------------------------------------------------------


def test_open_a_shift_with_a_float_typed_in_arabic_digits(cashier) -> None:
    client = client_for(cashier)
    html = client.get("/counter/").content.decode()
    assert 'name="opening_float"' in html and 'name="q"' not in html
    bad = client.post("/counter/shift/open/", {"opening_float": "abc"})
    assert bad.status_code == 422
    assert "أدخل المبلغ بالأرقام فقط." in alert_texts(bad.content.decode())
    response = client.post("/counter/shift/open/", {"opening_float": "٥٠٬٠٠٠"})
    assert response.status_code == 302
    shift = Shift.objects.get(cashier=cashier, status="open")
    assert shift.opening_float == 50_000_00
    home = client.get("/counter/").content.decode()
    search = re.search(r"<input id=\"q\"[^>]*>", home)[0]
    for attribute in ("autofocus", 'autocomplete="off"', "inputmode=", 'name="q"'):
        assert attribute in search
    assert "kuwwa/vendor/htmx.min.js" in home and "kuwwa/counter.js" in home
    assert "<script>" not in home  # no inline script: a strict CSP comes later


# --- look up --------------------------------------------------------------------------------


def test_lookup_by_account_number_names_the_other_owner_company(cashier, shift, account) -> None:
    bill = Bill.objects.get(account=account)
    response = lookup(client_for(cashier), account.number)
    assert response.status_code == 200
    html = response.content.decode()
    assert Company.objects.get(code="03").name_ar in html
    assert "is-other-company" in html  # the cashier is at a center of company 01
    assert "محمد ع*** ا***" in html and "محمد علي الأحمد" not in html
    assert to_arabic_digits(bill.number) in html
    assert hidden(html, "bill_number") == ""
    assert len(hidden(html, "client_reference")) == 32
    assert f'data-due="{bill.outstanding}"' in html


def test_lookup_by_bill_number_prefills_that_bill(cashier, shift, billed_account) -> None:
    account = billed_account("03", kwh=(300, 200))
    _older, newer = Bill.objects.filter(account=account).order_by("cycle__period_start")
    html = lookup(client_for(cashier), newer.number).content.decode()
    assert hidden(html, "bill_number") == newer.number
    assert f'value="{newer.outstanding // 100:,}"' in html
    assert "is-scanned" in html


def test_lookup_by_scanned_qr_in_arabic_indic_digits(cashier, shift, account) -> None:
    bill = Bill.objects.get(account=account)
    qr = bill_qr_text(
        account_number=account.number, bill_number=bill.number, amount_minor=bill.outstanding
    )
    html = lookup(client_for(cashier), to_arabic_digits(qr) + "\n").content.decode()
    assert hidden(html, "account_number") == account.number
    assert hidden(html, "bill_number") == bill.number


def test_same_company_account_is_not_flagged_and_shows_the_name(cashier, shift, billed_account):
    html = lookup(client_for(cashier), billed_account("01").number).content.decode()
    assert "is-other-company" not in html and "محمد علي الأحمد" in html


# --- pay ------------------------------------------------------------------------------------


def test_pay_shows_the_receipt_change_and_print_button(cashier, shift, account) -> None:
    client = client_for(cashier)
    found = lookup(client, account.number).content.decode()
    bill = Bill.objects.get(account=account)
    tendered = bill.outstanding + 2_500_00
    response = pay(client, found, tendered=f"{tendered // 100}")
    assert response.status_code == 200
    html = response.content.decode()
    payment = Payment.objects.get(account=account)
    assert payment.amount == bill.outstanding and payment.shift_id == shift.pk
    assert f'data-receipt="{payment.receipt_number}"' in html
    assert 'data-change="250000"' in html and "٢٬٥٠٠ ل.س" in html
    assert f'data-print="/receipts/{payment.receipt_number}/?format=thermal"' in html
    assert 'id="shift-bar" class="shift-bar" hx-swap-oob="true"' in html
    bill.refresh_from_db()
    assert bill.status == "paid"
    receipt = client.get(f"/receipts/{payment.receipt_number}/?format=thermal")
    assert receipt.status_code == 200


def test_the_same_client_reference_twice_pays_once(cashier, shift, account) -> None:
    client = client_for(cashier)
    found = lookup(client, account.number).content.decode()
    first = pay(client, found).content.decode()
    again = pay(client, found).content.decode()
    assert Payment.objects.filter(account=account).count() == 1
    number = Payment.objects.get(account=account).receipt_number
    assert f'data-receipt="{number}"' in first and f'data-receipt="{number}"' in again


def test_card_payment_has_no_change(cashier, shift, account) -> None:
    client = client_for(cashier)
    found = lookup(client, account.number).content.decode()
    html = pay(client, found, tender="card", tendered="1").content.decode()
    assert Payment.objects.get(account=account).tender == "card"
    assert "data-change" not in html


def test_cash_received_below_the_amount_is_refused(cashier, shift, account) -> None:
    client = client_for(cashier)
    found = lookup(client, account.number).content.decode()
    response = pay(client, found, tendered="1")
    assert response.status_code == 422 and response["HX-Retarget"] == "#pay-panel"
    assert not Payment.objects.exists()


# --- refusals in place, in Arabic and in English --------------------------------------------


@pytest.mark.parametrize("language", ["ar", "en"])
def test_lookup_refusals_are_shown_in_place(cashier, shift, account, language) -> None:
    client = client_for(cashier, language)
    wrong = account.number[:-1] + str((int(account.number[-1]) + 1) % 10)
    with translation.override(language):
        check = translation.gettext(
            "The check digits do not match: a digit may have been mistyped."
        )
    for text, expected in (
        (wrong, check),
        (_unused_number(), in_language(language, AccountNotFound())),
    ):
        response = lookup(client, text)
        assert response.status_code == 422
        html = response.content.decode()
        assert expected in alert_texts(html), (text, alert_texts(html))
    if language == "ar":
        assert check == "خانتي التحقق غير مطابقتين: ربما أُدخل أحد الأرقام خطأً."
        assert in_language("ar", AccountNotFound()) == "لا يوجد حساب بهذا الرقم."


def _unused_number() -> str:
    from kuwwa.core.ids import account_number_build

    return account_number_build(company_code="05", local_number=9_999_999).compact


@pytest.mark.parametrize("language", ["ar", "en"])
def test_closed_account_and_paid_bill(cashier, shift, billed_account, language) -> None:
    client = client_for(cashier, language)
    closed = billed_account("03")
    Account.objects.filter(pk=closed.pk).update(status=Account.Status.CLOSED)
    html = lookup(client, closed.number).content.decode()
    assert in_language(language, AccountClosed()) in alert_texts(html)
    assert 'id="pay-form"' not in html

    paid = billed_account("05")  # one billing run per company and cycle in this fixture
    bill = Bill.objects.get(account=paid)
    found = lookup(client, paid.number).content.decode()
    pay(client, found)
    qr = bill_qr_text(account_number=paid.number, bill_number=bill.number, amount_minor=1)
    html = lookup(client, qr).content.decode()
    assert in_language(language, BillAlreadyPaid()) in alert_texts(html)
    assert 'name="to_credit"' in html and hidden(html, "bill_number") == ""
    # Paying that bill anyway (a second counter was faster) is refused with the same offer.
    refused = pay(client, _fresh(found), bill_number=bill.number, amount="100")
    assert refused.status_code == 422
    assert in_language(language, BillAlreadyPaid()) in alert_texts(refused.content.decode())
    assert 'name="to_credit"' in refused.content.decode()
    credit = pay(client, html, amount="500", to_credit="1")
    assert credit.status_code == 200
    assert Payment.objects.filter(account=paid).order_by("pk").last().to_credit == 500_00


def _fresh(html: str) -> str:
    """The same confirm form with a new client reference (a new attempt, not a retry)."""
    return html.replace(hidden(html, "client_reference"), "f" * 32)


@pytest.mark.parametrize("language", ["ar", "en"])
def test_amount_refusals(cashier, shift, billed_account, language) -> None:
    client = client_for(cashier, language)
    account = billed_account("03")
    Company.objects.filter(code="03").update(payment_policy="exact")
    found = lookup(client, account.number).content.decode()
    due = Bill.objects.get(account=account).outstanding
    response = pay(client, found, amount="100")
    with translation.override(language):
        from kuwwa.core.money import format_amount

        expected = translation.gettext(
            "This company accepts only the exact amount due: %(due)s."
        ) % {"due": format_amount(due)}
    assert response.status_code == 422
    assert expected in alert_texts(response.content.decode())
    for typed, message in (
        ("abc", "Enter the amount in digits only."),
        ("-5", "The amount cannot be negative."),
    ):
        response = pay(client, found, amount=typed)
        with translation.override(language):
            assert translation.gettext(message) in alert_texts(response.content.decode())
    assert not Payment.objects.exists()


@pytest.mark.parametrize("language", ["ar", "en"])
def test_no_open_shift_is_said_clearly(cashier, account, language) -> None:
    client = client_for(cashier, language)
    found = lookup(client, account.number).content.decode()  # inquiry needs no shift
    response = pay(client, found)
    assert response.status_code == 422
    assert in_language(language, NoOpenShift()) in alert_texts(response.content.decode())
    assert not Payment.objects.exists()


def test_empty_search_asks_for_something(cashier, shift) -> None:
    response = lookup(client_for(cashier, "en"), "   ")
    assert response.status_code == 422
    assert alert_texts(response.content.decode()) == [
        "Type or scan an account number, a bill number or a bill code."
    ]


# --- reversal with a supervisor's override --------------------------------------------------


def _paid(client, account) -> Payment:
    pay(client, lookup(client, account.number).content.decode())
    return Payment.objects.get(account=account)


def test_reversal_needs_the_supervisors_password(cashier, supervisor, make_user, shift, account):
    client = client_for(cashier, "en")
    payment = _paid(client, account)
    page = client.get("/counter/shift/").content.decode()
    assert f'data-payment="{payment.receipt_number}"' in page
    url = f"/counter/shift/payments/{payment.pk}/reverse/"
    form = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert 'name="password"' in form and "duplicate payment" in form
    data = {"reason": "duplicate", "username": "supervisor01", "password": "wrong"}
    bad = htmx_post(client, url, data)
    assert bad.status_code == 422
    assert "Wrong supervisor username or password. Nothing was changed." in alert_texts(
        bad.content.decode()
    )
    other = make_user(Role.CASHIER, "01", "0001", username="cashier02")
    not_supervisor = htmx_post(
        client, url, data | {"username": other.username, "password": PASSWORD}
    )
    assert "Only a supervisor of the collecting center may approve this." in alert_texts(
        not_supervisor.content.decode()
    )
    payment.refresh_from_db()
    assert payment.status == "posted"
    good = htmx_post(client, url, data | {"password": PASSWORD})
    assert good.status_code == 200
    html = good.content.decode()
    assert (
        "data-reversed" in html
        and 'id="shift-payments" class="payments-scroll" hx-swap-oob' in html
    )
    payment.refresh_from_db()
    assert payment.status == "reversed" and payment.reversal_approved_by == supervisor
    assert payment.reversal_reason == "duplicate" and payment.reversed_by == cashier
    twice = htmx_post(client, url, data | {"password": PASSWORD})
    assert twice.status_code == 422
    assert "This payment has already been reversed." in alert_texts(twice.content.decode())


def test_a_cashier_cannot_reverse_another_drawers_payment(cashier, make_user, shift, account):
    payment = _paid(client_for(cashier), account)
    other = make_user(Role.CASHIER, "01", "0001", username="cashier02")
    shift_open(actor=other, opening_float=0)
    url = f"/counter/shift/payments/{payment.pk}/reverse/"
    assert client_for(other).get(url).status_code == 404


# --- handover, blind close, Z report, approval, deposit -------------------------------------


def test_handover_then_supervisor_confirms(cashier, supervisor, shift) -> None:
    client = client_for(cashier, "en")
    too_much = client.post("/counter/shift/handover/", {"n5000": "3"})
    assert too_much.status_code == 422
    assert "That is more cash than the drawer should hold." in alert_texts(
        too_much.content.decode()
    )
    response = client.post("/counter/shift/handover/", {"n5000": "١", "n1000": "2"})
    assert response.status_code == 302
    handover = Handover.objects.get(shift=shift)
    assert handover.amount == 7_000_00 and handover.status == "pending"
    boss = client_for(supervisor, "en")
    page = boss.get("/counter/supervisor/").content.decode()
    assert f'data-handover="{handover.pk}"' in page
    vault_before = vault_balance(center=shift.center)
    confirmed = boss.post(f"/counter/supervisor/handovers/{handover.pk}/confirm/", follow=True)
    assert "Handover confirmed: the cash is in the vault." in confirmed.content.decode()
    handover.refresh_from_db()
    assert handover.status == "confirmed" and handover.supervisor == supervisor
    assert vault_balance(center=shift.center) == vault_before + 7_000_00


def test_blind_close_z_report_approval_and_deposit(cashier, supervisor, shift, account) -> None:
    client = client_for(cashier, "en")
    payment = _paid(client, account)
    expected = 10_000_00 + payment.amount
    form = client.get("/counter/shift/close/").content.decode()
    assert "Expected" not in form and "n5000" in form
    from kuwwa.core.money import format_amount

    with translation.override("en"):
        assert format_amount(expected) not in form
    counted = expected - 1_000_00  # one 1,000 note short
    response = client.post("/counter/shift/close/", notes_for(counted))
    assert response.status_code == 302 and response["Location"] == f"/counter/shift/{shift.pk}/z/"
    shift.refresh_from_db()
    assert (shift.status, shift.over_short) == ("closed", -1_000_00)
    z = client.get(response["Location"]).content.decode()
    assert "The shift is closed and awaits the supervisor's approval." in z
    assert 'data-over-short="-100000"' in z and "SYP -1,000" in z
    assert "Payments by cash (1)" in z and "closed, awaiting approval" in z
    # the cashier went home; the supervisor approves and deposits
    boss = client_for(supervisor, "en")
    page = boss.get("/counter/supervisor/").content.decode()
    assert f'data-shift="{shift.pk}"' in page
    assert boss.get(f"/counter/shift/{shift.pk}/z/").status_code == 200
    approved = boss.post(f"/counter/supervisor/shifts/{shift.pk}/approve/", follow=True)
    assert f"Shift {shift.pk} approved." in approved.content.decode()
    shift.refresh_from_db()
    assert shift.status == "approved" and shift.approved_by == supervisor
    missing_slip = boss.post("/counter/supervisor/deposits/", {"shifts": [shift.pk]})
    assert "Enter the bank slip number." in alert_texts(missing_slip.content.decode())
    done = boss.post(
        "/counter/supervisor/deposits/",
        {"shifts": [shift.pk], "slip_number": "CBS-77", "bank_name": "Commercial Bank"},
        follow=True,
    ).content.decode()
    assert 'data-deposit="CBS-77"' in done
    shift.refresh_from_db()
    assert shift.deposit is not None and shift.deposit.amount == counted


def test_a_supervisor_cannot_approve_their_own_shift(make_user, billed_account) -> None:
    from django.contrib.auth.models import Group

    both = make_user(Role.SUPERVISOR, "01", "0001", username="both01")
    both.groups.add(Group.objects.get(name=Role.CASHIER.value))
    client = client_for(both, "en")
    client.post("/counter/shift/open/", {"opening_float": "0"})
    shift = Shift.objects.get(cashier=both)
    client.post("/counter/shift/close/", {})
    response = client.post(f"/counter/supervisor/shifts/{shift.pk}/approve/", follow=True)
    assert "A cashier cannot approve their own shift or cash." in response.content.decode()
    shift.refresh_from_db()
    assert shift.status == "closed"


def test_z_report_is_never_shown_for_an_open_shift(cashier, make_user, shift) -> None:
    assert client_for(cashier).get(f"/counter/shift/{shift.pk}/z/").status_code == 404
    shift.status = "closed"
    shift.save(update_fields=["status"])
    other = make_user(Role.CASHIER, "01", "0001", username="cashier02")
    assert client_for(other).get(f"/counter/shift/{shift.pk}/z/").status_code == 404


# --- performance ----------------------------------------------------------------------------


def test_lookup_and_pay_use_a_bounded_number_of_queries(cashier, shift, billed_account) -> None:
    account = billed_account("03", kwh=(200, 250, 300))
    first, second, _third = Bill.objects.filter(account=account).order_by("cycle__period_start")
    client = client_for(cashier)
    # The first payment of a center creates its receipt counter and ledger accounts: warm up.
    pay(client, lookup(client, first.number).content.decode())
    with CaptureQueriesContext(connection) as looked:
        html = lookup(client, second.number).content.decode()
    with CaptureQueriesContext(connection) as paid:
        response = pay(client, html)
    assert response.status_code == 200 and Payment.objects.count() == 2
    assert len(looked) < 40, [q["sql"] for q in looked.captured_queries]
    assert len(paid) < 40, [q["sql"] for q in paid.captured_queries]
