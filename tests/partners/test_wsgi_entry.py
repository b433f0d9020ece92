"""The production entry point (kuwwa.wsgi) serves /api/ without the browser-only middleware
and everything else with all of it; the API still answers in the caller's language."""

from __future__ import annotations

import io
import json
import secrets
import sys
import time
from typing import Any

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.http.request import HttpHeaders

from kuwwa.core.apihandler import API_LOCALE, BROWSER_ONLY, DJANGO_LOCALE, api_middleware
from kuwwa.partners.signing import sign_request

pytestmark = pytest.mark.django_db


@pytest.fixture
def held_cleanup():
    """Hold off the per-request connection clean-up, as the test client does, so that a
    request called through the entry point runs inside the test's transaction."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _environ(path: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
    """A GET of `path` as a WSGI server passes it."""
    environ: dict[str, Any] = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "testserver",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        "wsgi.url_scheme": "http",
    }
    for name, value in (headers or {}).items():
        environ[HttpHeaders.to_wsgi_name(name)] = value
    return environ


@pytest.fixture
def wsgi(held_cleanup):
    """Call kuwwa.wsgi.application as a server would, inside the test's transaction."""
    from kuwwa.wsgi import application

    def call(path: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
        reply: dict[str, Any] = {}

        def start_response(status: str, response_headers: list, exc_info: Any = None) -> None:
            reply["status"], reply["headers"] = int(status[:3]), response_headers

        body = b"".join(application(_environ(path, headers), start_response))
        joined: dict[str, str] = {}
        for name, value in reply["headers"]:
            joined[name.lower()] = (
                f"{joined[name.lower()]}, {value}" if name.lower() in joined else value
            )
        return reply["status"], joined, body

    return call


def signed(caller, path: str) -> dict[str, str]:
    stamp, nonce = str(int(time.time())), secrets.token_hex(16)
    signature = sign_request(
        secret=caller.secret, method="GET", path=path, timestamp=stamp, nonce=nonce, body=b""
    )
    return {
        "X-Kuwwa-Key": caller.key_id,
        "X-Kuwwa-Timestamp": stamp,
        "X-Kuwwa-Nonce": nonce,
        "X-Kuwwa-Signature": signature,
    }


def test_the_api_stack_leaves_out_only_the_browser_middleware(settings) -> None:
    lean = api_middleware()
    assert not BROWSER_ONLY & set(lean)
    same = [API_LOCALE if m == DJANGO_LOCALE else m for m in settings.MIDDLEWARE]
    assert lean == [m for m in same if m in lean]  # same order
    assert API_LOCALE in lean and DJANGO_LOCALE not in lean
    assert "kuwwa.core.security.ContentSecurityPolicyMiddleware" in lean


def test_a_signed_inquiry_through_the_entry_point(wsgi, bank, billed_account) -> None:
    account = billed_account("03")
    path = f"/api/v1/partner/accounts/{account.number}"
    status, headers, body = wsgi(path, signed(bank, path))
    assert status == 200, body
    assert b'"owner_company"' in body
    assert "set-cookie" not in headers  # no session, no CSRF cookie
    assert "content-security-policy" in headers


@pytest.mark.parametrize(
    ("accept", "language", "message"),
    [
        ("en", "en", "The request signature does not match."),
        ("fr, en;q=0.5", "en", "The request signature does not match."),
        ("", "ar", "توقيع الطلب غير مطابق."),
    ],
)
def test_api_errors_still_follow_the_callers_language(
    wsgi, bank, accept: str, language: str, message: str
) -> None:
    path = "/api/v1/partner/me"
    headers = {**signed(bank, path), "X-Kuwwa-Signature": "0" * 64, "Accept-Language": accept}
    status, answer_headers, body = wsgi(path, headers)
    assert status == 401
    assert json.loads(body)["message"] == message
    assert answer_headers["content-language"] == language
    assert "Accept-Language" in answer_headers["vary"]


def test_pages_keep_the_whole_stack(wsgi) -> None:
    status, headers, _body = wsgi("/login/")
    assert status == 200
    assert "csrftoken=" in headers.get("set-cookie", "")
    assert headers["x-frame-options"] == "SAMEORIGIN"


def test_api_answers_are_handed_over_whole_and_closed(held_cleanup, bank, billed_account) -> None:
    """The server gets the body as one item (one write) and Django's request_finished (the
    connections' clean-up) has run, as the server does not close a list."""
    from kuwwa.wsgi import application

    account = billed_account("03")
    path = f"/api/v1/partner/accounts/{account.number}"
    finished: list[bool] = []

    def on_finished(**_kwargs: Any) -> None:
        finished.append(True)

    request_finished.connect(on_finished)
    try:
        body = application(
            _environ(path, signed(bank, path)), lambda status, headers, exc_info=None: None
        )
    finally:
        request_finished.disconnect(on_finished)
    assert isinstance(body, list) and len(body) == 1
    assert b'"owner_company"' in body[0]
    assert finished == [True]
