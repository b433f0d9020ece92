"""The dashboards in Debian's Chromium: right to left, no request leaves the server, nothing
breaks the Content-Security-Policy, the heat map and the bars are drawn, the digit toggle works.

With KUWWA_DOC_SHOTS=1 the pictures go to docs/img/dashboard-*.png (the documentation's);
otherwise to test-artifacts/. KUWWA_EXTRA_LOCALE adds proposed translations (tests/browser).
"""

from __future__ import annotations

import itertools
import os
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from tests.backoffice.conftest import _cashier, pay, world  # noqa: F401
from tests.browser.conftest import browser, page  # noqa: F401

from kuwwa.accounts.services import account_create
from kuwwa.core.clock import business_date
from kuwwa.organizations.models import Company
from kuwwa.settlement.services import settlement_run

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

DOCS = Path(__file__).resolve().parents[2] / "docs" / "img"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
MORE = ("05", "07", "09", "11", "13")


def _busier(world: Any) -> None:  # noqa: F811
    """More companies and payments, so the heat map and the bars have something to show."""
    amounts = itertools.cycle([8_500_00, 23_000_00, 4_250_00, 61_000_00, 12_750_00, 39_900_00])
    for code in MORE:
        company = Company.objects.get(code=code)
        world.accounts[code] = account_create(actor=None, company=company, holder_name="س ص")
        world.cashiers[code] = _cashier(code, 1)
    codes = ("01", "03", *MORE)
    for n, collector in enumerate(codes):
        for m, owner in enumerate(codes):
            if (n + 2 * m) % 3 == 0 or collector == owner:
                pay(world, collector, owner, next(amounts) * (1 + (n + m) % 4), to_credit=True)


def _shot(page: Any, name: str) -> None:  # noqa: F811
    docs = os.environ.get("KUWWA_DOC_SHOTS") == "1"
    folder = DOCS if docs else ARTIFACTS
    folder.mkdir(exist_ok=True)
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=True, type="png")
    if docs:  # a 64-colour palette keeps the documentation's pictures small
        from PIL import Image

        Image.open(path).convert("RGB").quantize(colors=64).save(path, optimize=True)


def _login(page: Any, live_server: Any, user: Any) -> None:  # noqa: F811
    from django.conf import settings as django_settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = django_settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    host = urlsplit(live_server.url).hostname
    page.context.add_cookies(
        [{"name": "sessionid", "value": session.session_key, "domain": host, "path": "/"}]
    )


def test_dashboards_in_chromium(world, page, live_server) -> None:  # noqa: F811
    _busier(world)
    settlement_run(actor=None, day=business_date(), force=True)
    problems: list[str] = []
    origin = urlsplit(live_server.url).netloc
    page.on(
        "request",
        lambda r: (
            urlsplit(r.url).netloc not in (origin, "")
            and not r.url.startswith("data:")
            and problems.append(f"external request {r.url}")
        ),
    )
    page.on(
        "console",
        lambda m: (
            m.type == "error"
            and "Failed to load resource" not in m.text  # reported with its address below
            and problems.append(f"console: {m.text}")
        ),
    )
    page.on(
        "response",
        lambda r: (
            r.status >= 400
            and not r.url.endswith("/favicon.ico")  # the browser's own guess, not our page's
            and problems.append(f"{r.status} {r.url}")
        ),
    )
    page.set_viewport_size({"width": 1366, "height": 900})
    _login(page, live_server, world.est_admin)
    for name, url in (
        ("collections", "/backoffice/"),
        ("matrix", "/backoffice/matrix/"),
        ("arrears", "/backoffice/arrears/"),
        ("rate", "/backoffice/rate/"),
        ("centers", "/backoffice/centers/?period=today"),
        ("readings", "/backoffice/readings/"),
        ("complaints", "/backoffice/complaints/?period=today"),
        ("statements", "/backoffice/statements/"),
    ):
        response = page.goto(url)
        assert response is not None and response.status == 200, url
        assert page.locator("html").get_attribute("dir") == "rtl"
        _shot(page, f"dashboard-{name}")
    page.goto("/backoffice/matrix/")
    assert page.locator(".bo-heat td[class^='heat-']").count() > 0
    assert page.locator(".bo-heat td.heat-9").count() >= 1
    page.goto("/backoffice/")
    assert page.locator("svg.bo-meter rect").count() > 0
    page.click("button[value='latin']")
    page.wait_for_load_state()
    assert page.locator(".bo-card-value").first.inner_text()[0].isascii()
    _shot(page, "dashboard-collections-latin")
    page.click("button[value='arabic']")
    page.wait_for_load_state()
    assert not page.locator(".bo-card-value").first.inner_text()[0].isascii()
    page.click(".lang-switch button")
    page.wait_for_load_state()
    page.goto("/backoffice/matrix/")
    page.click("button[value='latin']")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("dir") == "ltr"
    _shot(page, "dashboard-matrix-en")
    assert problems == []
