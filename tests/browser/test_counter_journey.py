"""A cashier's day in a real browser, keyboard first, in Arabic: log in and open a shift, pay
another company's bill from its scanned QR code, print the receipt, reverse a payment with a
supervisor's override, and close the shift 1,000 SYP short (blind count)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kuwwa.billing.models import Bill
from kuwwa.billing.qr import bill_qr_text
from kuwwa.cashiering.denominations import denominations
from kuwwa.cashiering.models import Shift
from kuwwa.collection.models import Payment
from kuwwa.core.digits import to_latin_digits
from kuwwa.organizations.models import Company

if not Path("/usr/bin/chromium").exists():  # pragma: no cover - depends on the machine
    pytest.skip("Debian's chromium is not installed", allow_module_level=True)
pytest.importorskip("playwright.sync_api")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
PASSWORD = "pw-for-tests-123"  # tests/conftest.py make_user
FLOAT = 50_000_00

# window.print() would open a dialog and block: record the call instead, in the top page.
PRINT_STUB = """
window.print = function () {
  var top = window.top;
  top.__printed = (top.__printed || []).concat([document.body ? document.body.innerText : ""]);
};
"""


def plain(text: str) -> str:
    """Page text as Latin digits without direction marks, to compare with stored numbers."""
    return to_latin_digits(text).replace("\u200e", "").replace("\u200f", "")


def notes_for(amount: int) -> dict[str, int]:
    count = {}
    for face in denominations():
        pieces, amount = divmod(amount, face * 100)
        if pieces:
            count[face] = pieces
    assert amount == 0
    return count


def test_a_cashiers_day(page, screenshot, live_server, cashier, supervisor, billed_account) -> None:
    aleppo = billed_account("03")  # another company's account: the cashier is at 01-0001
    bill = Bill.objects.get(account=aleppo)
    own = billed_account("01")
    page.add_init_script(PRINT_STUB)

    # 1. log in and open a shift
    page.goto("/counter/")
    assert "/login/" in page.url
    page.get_by_label(re.compile("Username|اسم المستخدم")).fill("cashier01")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.locator("#id_opening_float").wait_for()
    assert page.evaluate("document.documentElement.dir") == "rtl"
    page.wait_for_function("() => document.activeElement.name === 'opening_float'")
    page.keyboard.type("50000")
    screenshot("counter-1-open-shift")
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.activeElement.id === 'q'")
    assert Shift.objects.get(cashier=cashier).opening_float == FLOAT

    # 2. the scanner "types" the bill's QR code and Enter
    qr = bill_qr_text(
        account_number=aleppo.number, bill_number=bill.number, amount_minor=bill.outstanding
    )
    page.keyboard.type(qr)
    page.keyboard.press("Enter")
    owner = page.locator("#owner-name")
    owner.wait_for()
    assert owner.inner_text() == Company.objects.get(code="03").name_ar
    assert page.locator(".account-card.is-other-company .badge-other").is_visible()
    assert page.locator("tr.is-scanned").count() == 1
    page.wait_for_function("() => document.activeElement.id === 'pay-tendered'")
    tendered = bill.outstanding + 3_000_00
    page.keyboard.type(str(tendered // 100))
    change = page.locator("#pay-change")
    assert plain(change.inner_text()).replace("٬", ",").startswith("3,000")
    assert not page.evaluate("document.documentElement.scrollHeight > window.innerHeight")
    screenshot("counter-2-lookup")
    page.keyboard.press("Enter")
    page.locator("[data-paid]").wait_for()
    payment = Payment.objects.get(account=aleppo)
    assert page.locator(f'[data-receipt="{payment.receipt_number}"]').is_visible()
    assert page.locator("[data-change]").get_attribute("data-change") == "300000"
    page.wait_for_function("() => document.activeElement.id === 'q'")
    screenshot("counter-3-paid")

    # 3. print the 80 mm receipt from a hidden frame (F4), then the focus is back on the box
    page.keyboard.press("F4")
    page.wait_for_function("() => (window.__printed || []).length === 1")
    printed = plain(page.evaluate("window.__printed[0]"))
    assert payment.receipt_number in printed
    frame_text = plain(page.frame_locator("#print-frame").locator("body").inner_text())
    assert payment.receipt_number in frame_text
    page.wait_for_function("() => document.activeElement.id === 'q'")

    # a second payment, of the cashier's own company, typed as an account number
    page.keyboard.type(own.number)
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.activeElement.id === 'pay-tendered'")
    page.keyboard.press("Enter")  # the exact amount, nothing typed as cash received
    page.locator("[data-paid]").wait_for()
    second = Payment.objects.get(account=own)
    page.keyboard.press("Escape")
    assert page.locator("#result").inner_html().strip() == ""

    # 4. reverse the second payment with the supervisor's override
    page.goto("/counter/shift/")
    row = page.locator(f'tr[data-payment="{second.receipt_number}"]')
    row.locator("[data-reverse]").click()
    page.locator("[data-override]").wait_for()
    page.select_option("#rv-reason", "duplicate")
    page.fill("#rv-username", "supervisor01")
    page.fill("#rv-password", "not-the-password")
    page.keyboard.press("Enter")
    page.locator("[data-override-error]").wait_for()
    second.refresh_from_db()
    assert second.status == "posted"
    page.fill("#rv-password", PASSWORD)
    screenshot("counter-4-override")
    page.keyboard.press("Enter")
    page.locator("[data-reversed]").wait_for()
    second.refresh_from_db()
    assert second.status == "reversed" and second.reversal_approved_by == supervisor
    assert row.get_attribute("class") == "is-reversed"

    # 5. close with a blind count, one 1,000 note short
    page.goto("/counter/shift/close/")
    body = page.locator("main").inner_text()
    expected = FLOAT + payment.amount
    assert f"{expected // 100:,}" not in plain(body).replace("٬", ",")  # blind: no expected figure
    count = notes_for(expected - 1_000_00)
    for face in denominations():
        if face in count:
            page.fill(f"#id_n{face}", str(count[face]))
    screenshot("counter-5-blind-count")
    page.locator("form.stack button[type=submit]").click()
    page.wait_for_url(re.compile(r"/counter/shift/\d+/z/$"))
    result = page.locator(".close-result")
    assert result.is_visible()
    assert page.locator("[data-over-short]").get_attribute("data-over-short") == "-100000"
    assert page.locator('[data-status="closed"]').is_visible()  # closed, awaiting approval
    screenshot("counter-6-z-report")
    shift = Shift.objects.get(cashier=cashier)
    assert (shift.status, shift.expected, shift.counted, shift.over_short) == (
        "closed",
        expected,
        expected - 1_000_00,
        -1_000_00,
    )
    assert shift.approved_by is None  # awaits the supervisor

    # 6. the supervisor sees the shortage waiting for approval
    page.locator("form.logout button").click()
    page.get_by_label(re.compile("Username|اسم المستخدم")).wait_for()
    page.get_by_label(re.compile("Username|اسم المستخدم")).fill("supervisor01")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/counter/supervisor/$"))
    waiting = page.locator(f'tr[data-shift="{shift.pk}"] [data-over-short]')
    assert waiting.get_attribute("data-over-short") == "-100000"
    screenshot("counter-7-supervisor")
