"""The citizen portal in Debian's Chromium at 360×740, in Arabic and English: inquiry with
verification, paying through the sandbox bank, a meter reading, a complaint filed and tracked,
and checking the receipt. Each page is saved to test-artifacts/ (git-ignored)."""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.utils import timezone, translation

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
HOLDER = "محمد علي الأحمد"

if not Path(CHROMIUM).exists():  # pragma: no cover - depends on the machine
    pytest.skip("Debian's chromium is not installed", allow_module_level=True)
playwright_sync = pytest.importorskip("playwright.sync_api")


@pytest.fixture
def phone(portal: dict[str, Any]) -> Iterator[Any]:
    """A Syrian phone: 360×740 screen, Arabic as the browser's language.

    Started after the database is ready (it depends on `portal`): while Playwright's loop runs,
    Django hands this thread other connection objects, which must not be the ones that restore
    the serialized data between tests; they are closed before Playwright stops.
    """
    from django.db import connections

    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's loop runs in this thread
    with playwright_sync.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(
            viewport={"width": 360, "height": 740}, device_scale_factor=1, locale="ar-SY"
        )
        page = context.new_page()
        page.set_default_timeout(15_000)
        try:
            yield page
        finally:
            connections.close_all()
            context.close()
            browser.close()


DOCS = Path(__file__).resolve().parents[2] / "docs" / "portal.md"
PLURALS = (
    "nplurals=6; plural=n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : n%100>=3 && n%100<=10 ? 3 : "
    "n%100>=11 && n%100<=99 ? 4 : 5;"
)


def proposed_arabic() -> dict[str, str]:
    """The msgid → msgstr table at the end of docs/portal.md."""
    text = DOCS.read_text(encoding="utf-8").split("## Messages to translate", 1)[1]
    found = {}
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split(" | ")]
        if len(cells) == 2 and line.startswith("| ") and cells[0] not in ("msgid", "---"):
            found[cells[0].strip("`")] = cells[1].strip("`")
    return found


def write_mo(messages: dict[str, str], path: Path) -> None:
    """A GNU .mo catalogue (what msgfmt writes), so no gettext tools are needed."""
    header = f"Content-Type: text/plain; charset=UTF-8\nPlural-Forms: {PLURALS}\n"
    entries = sorted({"": header, **messages}.items(), key=lambda kv: kv[0].encode())
    ids = strs = b""
    table = []
    for key, value in entries:
        k, v = key.encode(), value.encode()
        table.append((len(k), len(ids), len(v), len(strs)))
        ids += k + b"\0"
        strs += v + b"\0"
    n = len(entries)
    key_start = 28 + 16 * n
    value_start = key_start + len(ids)
    out = struct.pack("<Iiiiiii", 0x950412DE, 0, n, 28, 28 + 8 * n, 0, 0)
    out += b"".join(struct.pack("<ii", kl, ko + key_start) for kl, ko, _vl, _vo in table)
    out += b"".join(struct.pack("<ii", vl, vo + value_start) for _kl, _ko, vl, vo in table)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(out + ids + strs)


@pytest.fixture
def portal(settings: Any, make_account: Any, live_server: Any, tmp_path: Path) -> dict[str, Any]:
    """A billed account of company 03 with a phone, the sandbox bank, an open reading window."""
    from kuwwa.accounts.models import Meter
    from kuwwa.billing.cycles import cycle_open
    from kuwwa.billing.models import BillingCycle
    from kuwwa.billing.readings import reading_submit
    from kuwwa.billing.run import billing_run
    from kuwwa.core.services import master_data_save
    from kuwwa.organizations.models import CollectionCenter, Company, Partner

    cache.clear()
    if os.environ.get("KUWWA_DOCS_ARABIC"):  # screenshots with the proposed translations
        write_mo(proposed_arabic(), tmp_path / "locale" / "ar" / "LC_MESSAGES" / "django.mo")
        settings.LOCALE_PATHS = [tmp_path / "locale", *settings.LOCALE_PATHS]
    if os.environ.get("KUWWA_EXTRA_LOCALE"):  # the convention of tests/browser/conftest.py
        settings.LOCALE_PATHS = [Path(os.environ["KUWWA_EXTRA_LOCALE"]), *settings.LOCALE_PATHS]
    settings.KUWWA_PORTAL_LOOKUPS_PER_MINUTE = 500
    settings.MEDIA_ROOT = ARTIFACTS / "media"
    company = Company.objects.get(code="03")
    account = make_account("03", holder_name=HOLDER, phone="0931234567")
    value = 0
    for n, kwh in enumerate((420, 510, 380)):
        cycle = cycle_open(actor=None, company=company, code=f"2026-{2 + 2 * n:02d}")
        value += kwh
        reading_submit(
            actor=None,
            account=account,
            value=value,
            read_on=cycle.reading_window_start,
            source="reader",
            cycle=cycle,
        )
        billing_run(actor=None, company=company, cycle=cycle)
    reading = cycle_open(actor=None, company=company, code="2026-10")
    today = timezone.localdate()
    BillingCycle.objects.filter(pk=reading.pk).update(
        reading_window_start=today - dt.timedelta(days=2),
        reading_window_end=today + dt.timedelta(days=2),
    )
    partner = Partner(
        code="sandbox-bank",
        name_ar="البنك التجريبي (للاختبار)",
        name_en="Sandbox Test Bank",
        kind="bank",
    )
    master_data_save(actor=None, instance=partner)
    master_data_save(
        actor=None,
        instance=CollectionCenter(
            company=Company.objects.get(code="00"),
            code="9001",
            name_ar="البنك التجريبي (للاختبار)",
            name_en="Sandbox Test Bank",
            kind="virtual",
            partner=partner,
        ),
    )
    serial = Meter.objects.get(account=account).serial
    return {"url": live_server.url, "account": account, "suffix": serial[-4:], "last": value}


class Shots:
    """Numbered full-page screenshots of one journey."""

    def __init__(self, page: Any, journey: str, lang: str) -> None:
        self.page, self.prefix, self.n = page, f"portal-{journey}-{lang}", 0
        ARTIFACTS.mkdir(exist_ok=True)

    def __call__(self, name: str) -> None:
        self.n += 1
        self.page.screenshot(
            path=str(ARTIFACTS / f"{self.prefix}-{self.n:02d}-{name}.png"), full_page=True
        )
        width = self.page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, f"{name}: the page is {width}px wide at 360px"


def open_portal(page: Any, base: str, lang: str) -> None:
    page.goto(f"{base}/portal/")
    assert page.locator("html").get_attribute("dir") == "rtl"
    if lang == "en":
        page.get_by_role("button", name="English").click()
        page.wait_for_load_state()
        assert page.locator("html").get_attribute("dir") == "ltr"


def look_up_and_verify(page: Any, portal: dict[str, Any], shot: Shots) -> None:
    account = portal["account"]
    shot("home")
    page.locator("#id_number").fill(account.formatted_number)
    page.locator("#id_number").press("Enter")
    page.wait_for_url(re.compile(rf"/portal/account/{account.number}/$"))
    assert HOLDER not in page.content()
    shot("public")
    page.locator("#id_suffix").fill(portal["suffix"])
    page.locator("form[action$='verify/meter/'] button[type=submit]").click()
    page.wait_for_selector("svg.chart")
    shot("account")


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_inquiry_with_verification(phone: Any, portal: dict[str, Any], lang: str) -> None:
    shot = Shots(phone, "inquiry", lang)
    open_portal(phone, portal["url"], lang)
    look_up_and_verify(phone, portal, shot)
    assert phone.locator("svg.chart rect[x]").count() == 3
    assert "محمد ع***" in phone.content()
    bill_pdf = phone.locator("a[href$='.pdf']").first.get_attribute("href")
    assert phone.request.get(portal["url"] + bill_pdf).headers["content-type"] == "application/pdf"


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_verification_by_sms_code(phone: Any, portal: dict[str, Any], lang: str) -> None:
    from kuwwa.core.models import SmsMessage

    shot = Shots(phone, "sms", lang)
    open_portal(phone, portal["url"], lang)
    phone.goto(f"{portal['url']}/portal/account/{portal['account'].number}/")
    phone.locator("form[action$='send-code/'] button").click()
    phone.wait_for_selector("#id_code")
    shot("code-sent")
    text = SmsMessage.objects.order_by("-pk").values_list("text", flat=True)[0]
    phone.locator("#id_code").fill(re.search(r"\d{6}", text).group(0))
    phone.locator("#id_code").press("Enter")
    phone.wait_for_selector("svg.chart")
    assert HOLDER in phone.content()
    shot("account-full-name")


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_paying_online_through_the_sandbox_bank(
    phone: Any, portal: dict[str, Any], lang: str
) -> None:
    from kuwwa.collection.models import Payment

    shot = Shots(phone, "pay", lang)
    open_portal(phone, portal["url"], lang)
    look_up_and_verify(phone, portal, shot)
    phone.locator(f"a[href$='/{portal['account'].number}/pay/']").click()
    phone.wait_for_selector("input[name=bills]")
    assert phone.locator("input[name=bills]:checked").count() == 3
    shot("choose")
    phone.locator("form button[type=submit]").last.click()
    phone.wait_for_url(re.compile(r"/portal/sandbox-bank/pay/P03"))
    assert "بنك تجريبي — للاختبار فقط" in phone.content()
    shot("bank")
    phone.locator("button[value=pay]").click()
    phone.wait_for_url(re.compile(r"/portal/pay/P03[0-9A-F]+/$"))
    shot("receipt")
    payment = Payment.objects.get()
    assert payment.receipt_number.startswith("00-9001-")
    receipt_pdf = phone.locator("a[href$='receipt.pdf']").get_attribute("href")
    assert (
        phone.request.get(portal["url"] + receipt_pdf).headers["content-type"] == "application/pdf"
    )
    phone.go_back()  # the bank's page again…
    phone.go_forward()
    phone.reload()  # …and a refresh of the result: still one payment
    assert Payment.objects.count() == 1
    # Checking the receipt from the result page.
    phone.locator("a[href*='/verify/?number=']").click()
    phone.wait_for_selector("[data-status=authentic]")
    shot("verify")


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_submitting_a_reading(phone: Any, portal: dict[str, Any], lang: str) -> None:
    from PIL import Image

    from kuwwa.billing.models import MeterReading

    shot = Shots(phone, "reading", lang)
    open_portal(phone, portal["url"], lang)
    look_up_and_verify(phone, portal, shot)
    phone.locator(f"a[href$='/{portal['account'].number}/reading/']").click()
    phone.wait_for_selector("#id_value")
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (240, 240, 240)).save(buffer, format="JPEG")
    phone.locator("#id_value").fill(str(portal["last"] + 400))
    phone.locator("#id_photo").set_input_files(
        {"name": "meter.jpg", "mimeType": "image/jpeg", "buffer": buffer.getvalue()}
    )
    shot("form")
    phone.locator("form button[type=submit]").last.click()
    phone.wait_for_url(re.compile(r"/reading/\d+/$"))
    reading = MeterReading.objects.get(source="citizen")
    assert reading.status == "accepted" and reading.photo
    assert phone.locator(".notice.ok").is_visible()
    shot("result")


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_filing_and_tracking_a_complaint(phone: Any, portal: dict[str, Any], lang: str) -> None:
    from kuwwa.portal.models import Complaint

    shot = Shots(phone, "complaint", lang)
    open_portal(phone, portal["url"], lang)
    look_up_and_verify(phone, portal, shot)
    phone.locator(f"a[href$='/{portal['account'].number}/complaint/']").click()
    phone.locator("input[name=subject][value=bill]").check()
    phone.locator("#id_reason").select_option("wrong_amount")
    phone.locator("#id_description").fill("The amount is higher than my consumption.")
    shot("form")
    phone.locator("form button[type=submit]").last.click()
    phone.wait_for_url(re.compile(r"/complaint/C03-\d{6}/$"))
    shot("filed")
    complaint = Complaint.objects.get()
    phone.locator("a[href$='/complaints/track/']").last.click()
    phone.locator("#id_reference").fill(complaint.reference)
    phone.locator("#id_number").fill(portal["account"].number)
    phone.locator("#id_number").press("Enter")
    phone.wait_for_selector("dl.facts")
    with translation.override(lang):
        status = str(complaint.get_status_display())
    assert status in phone.locator("dl.facts").inner_text()
    shot("tracked")


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_checking_a_receipt_from_the_portal(phone: Any, portal: dict[str, Any], lang: str) -> None:
    shot = Shots(phone, "verify-link", lang)
    open_portal(phone, portal["url"], lang)
    phone.locator("nav a[href='/verify/']").click()
    phone.wait_for_url(re.compile(r"/verify/$"))
    phone.locator("#receipt-number").fill("00-9001-2026-000999")
    phone.locator("#receipt-number").press("Enter")
    phone.wait_for_selector("[data-status=unknown]")
    shot("not-found")


def test_keyboard_only_inquiry(phone: Any, portal: dict[str, Any]) -> None:
    """Tab reaches the account field with a visible focus ring; Enter looks it up."""
    phone.goto(f"{portal['url']}/portal/")
    for _n in range(12):
        phone.keyboard.press("Tab")
        if phone.evaluate("document.activeElement.id") == "id_number":
            break
    assert phone.evaluate("document.activeElement.id") == "id_number"
    outline = phone.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
    phone.keyboard.type(portal["account"].number)
    phone.keyboard.press("Enter")
    phone.wait_for_url(re.compile(r"/portal/account/\d{12}/$"))
