"""Every portal page: small, nothing from outside the server, labelled fields, both languages."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

from kuwwa.billing.models import MeterReading
from kuwwa.portal.models import Complaint, PaymentSession

from .conftest import PHONE, last_code, verify

pytestmark = pytest.mark.django_db
MAX_BYTES = 30 * 1024
EXTERNAL = re.compile(
    r"""(?:src|href|action|srcset|poster|data)\s*=\s*["']?\s*(?:[a-z][a-z0-9+.-]*:)?//""", re.I
)


class Fields(HTMLParser):
    """Inputs that a person fills, and the labels that name them."""

    def __init__(self) -> None:
        super().__init__()
        self.inputs: list[str] = []
        self.labels: set[str] = set()
        self.in_label = 0
        self.wrapped: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "label":
            self.in_label += 1
            if a.get("for"):
                self.labels.add(str(a["for"]))
        if tag in ("input", "select", "textarea") and a.get("type") not in ("hidden", "submit"):
            ident = str(a.get("id") or a.get("name"))
            self.inputs.append(ident)
            if self.in_label:
                self.wrapped.add(ident)

    def handle_endtag(self, tag: str) -> None:
        if tag == "label":
            self.in_label -= 1


def pages(account, reading_cycle, client: Client) -> dict[str, str]:
    """Walk every journey once and collect each page's URL."""
    n = account.number
    urls = {
        "home": "/portal/",
        "public": f"/portal/account/{n}/",
        "track": "/portal/complaints/track/",
    }
    urls["not-found"] = "/portal/account/030000099999/"
    urls["denied"] = f"/portal/account/{n}/pay/"
    urls["signin"] = "/portal/signin/"
    first = {k: Client().get(v) for k, v in urls.items()}
    busy = Client(REMOTE_ADDR="10.99.0.1")
    for _n in range(21):
        first["limited"] = busy.get(f"/portal/account/{n}/")
    assert first["limited"].status_code == 429
    verify(client, account)
    reading_cycle(account)
    more = {
        "account": f"/portal/account/{n}/",
        "pay": f"/portal/account/{n}/pay/",
        "reading": f"/portal/account/{n}/reading/",
        "complaint": f"/portal/account/{n}/complaint/",
    }
    got = {k: client.get(v) for k, v in more.items()}
    client.post(f"/portal/account/{n}/reading/", {"value": "999"})
    reading = MeterReading.objects.get(source="citizen")
    got["reading-result"] = client.get(f"/portal/account/{n}/reading/{reading.pk}/")
    client.post(f"/portal/account/{n}/complaint/", {"subject": "bill", "reason": "other"})
    complaint = Complaint.objects.get()
    got["complaint-filed"] = client.get(f"/portal/account/{n}/complaint/{complaint.reference}/")
    got["track-found"] = client.post(
        "/portal/complaints/track/", {"reference": complaint.reference, "number": n}
    )
    hosted = client.post(f"/portal/account/{n}/pay/", {"amount": "500", "partner": "sandbox-bank"})[
        "Location"
    ]
    got["sandbox"] = client.get(hosted)
    query = {k: v[0] for k, v in parse_qs(urlsplit(hosted).query).items()}
    client.get(client.post(urlsplit(hosted).path, {**query, "action": "pay"})["Location"])
    got["pay-done"] = client.get(f"/portal/pay/{PaymentSession.objects.get().reference}/")
    citizen = Client()
    citizen.post("/portal/signin/", {"phone": PHONE})
    got["signin-code"] = citizen.get("/portal/signin/code/")
    citizen.post("/portal/signin/code/", {"code": last_code()})
    got["my"] = citizen.get("/portal/my/")
    return {k: r.content.decode() for k, r in {**first, **got}.items()}


@pytest.fixture
def all_pages(account, reading_cycle, sandbox) -> dict[str, str]:
    return pages(account, reading_cycle, Client())


def test_every_page_is_small_and_self_contained(all_pages) -> None:
    assert len(all_pages) == 18
    for name, html in all_pages.items():
        assert len(html.encode()) < MAX_BYTES, (name, len(html.encode()))
        assert not EXTERNAL.search(html), (name, EXTERNAL.search(html))
        # The only absolute URL allowed is this server's own (the sandbox's signed return URL).
        others = re.findall(r"https?://[^\s\"'<>]+", html.replace("http://testserver/", ""))
        assert others == [], (name, others)
        assert "<script" not in html, name
        assert "style=" not in html, name


def test_every_field_has_a_label(all_pages) -> None:
    for name, html in all_pages.items():
        parser = Fields()
        parser.feed(html)
        unlabelled = [
            i for i in parser.inputs if i not in parser.labels and i not in parser.wrapped
        ]
        assert unlabelled == [], (name, unlabelled)


def test_every_page_is_arabic_rtl_with_one_h1(all_pages) -> None:
    for name, html in all_pages.items():
        assert 'lang="ar" dir="rtl"' in html, name
        assert html.count("<h1") == 1, name
        assert 'name="robots" content="noindex"' in html, name


def test_english_pages(account, reading_cycle, sandbox) -> None:
    client = Client()
    client.cookies["django_language"] = "en"
    for name, html in pages(account, reading_cycle, client).items():
        if name in (
            "home",
            "public",
            "track",
            "not-found",
            "denied",
            "signin",
            "limited",
            "signin-code",
            "my",
        ):
            continue  # these were fetched by fresh (Arabic) clients
        assert 'lang="en" dir="ltr"' in html, name


def test_inquiry_page_weight(account) -> None:
    html = Client().get(f"/portal/account/{account.number}/").content
    assert len(html) < MAX_BYTES


def test_portal_pages_are_never_cached(account) -> None:
    response = Client().get(f"/portal/account/{account.number}/")
    assert "no-store" in response["Cache-Control"]
    assert response["X-Robots-Tag"] == "noindex"
