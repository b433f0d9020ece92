"""Playwright (sync API) driving Debian's Chromium against pytest-django's live server.

Never `playwright install`: the browser is the system's /usr/bin/chromium, and without it every
browser test is skipped. Screenshots go to test-artifacts/ (git-ignored).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.collection.conftest import billed_account, cashier, supervisor  # noqa: F401

# Playwright's sync API runs an event loop in this thread; Django's ORM, used by the test
# itself between browser steps, would otherwise refuse to run "inside" it.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
VIEWPORT = {"width": 1366, "height": 768}


@pytest.fixture
def browser(live_server: Any) -> Iterator[Any]:
    """Chromium for one test. Started after the database is ready and stopped after each test
    (never session-wide): while Playwright's loop runs, Django hands this thread other
    connection objects, and two sync Playwright loops cannot overlap (tests/browser holds
    other journeys that start their own)."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    from django.db import connections

    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            connections.close_all()
            chromium.close()


@pytest.fixture
def page(browser: Any, live_server: Any, settings: Any) -> Iterator[Any]:
    """A fresh Arabic-first browser context at 1366×768 on the live server.

    KUWWA_EXTRA_LOCALE (a folder with ar/LC_MESSAGES/django.mo) is put before the project's
    catalogue: it is how the documentation's pictures show proposed, not yet merged, Arabic.
    """
    extra = os.environ.get("KUWWA_EXTRA_LOCALE")
    if extra:
        settings.LOCALE_PATHS = [Path(extra), *settings.LOCALE_PATHS]
    context = browser.new_context(viewport=VIEWPORT, locale="ar-SY", base_url=live_server.url)
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def screenshot(page: Any) -> Callable[[str], Path]:
    """Save the page as test-artifacts/<name>.png (1366×768, PNG)."""
    ARTIFACTS.mkdir(exist_ok=True)

    def take(name: str) -> Path:
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), type="png")
        return path

    return take
