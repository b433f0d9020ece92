"""Schemathesis against the published OpenAPI document: no 5xx, responses as documented.

Generated requests go through the Django WSGI app behind a small WSGI middleware that signs
them as a partner would (fresh nonce and timestamp, HMAC over the exact path and body), so
the fuzzing reaches the handlers instead of stopping at 401. Bounded: a few dozen cases per
operation, well under a minute.
"""

from __future__ import annotations

import io
import secrets
import time
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIRequest
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from kuwwa.partners.signing import sign_request

MAX_EXAMPLES = 40


class SigningMiddleware:
    """Signs every partner request with the test partner's key before Django sees it."""

    def __init__(self, app: Any, key_id: str, secret: str) -> None:
        self.app, self.key_id, self.secret = app, key_id, secret

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)
        path = WSGIRequest(dict(environ, **{"wsgi.input": io.BytesIO(body)})).get_full_path()
        stamp, nonce = str(int(time.time())), secrets.token_hex(16)
        environ.update(
            {
                "HTTP_X_KUWWA_KEY": self.key_id,
                "HTTP_X_KUWWA_TIMESTAMP": stamp,
                "HTTP_X_KUWWA_NONCE": nonce,
                "HTTP_X_KUWWA_SIGNATURE": sign_request(
                    secret=self.secret,
                    method=environ["REQUEST_METHOD"],
                    path=path,
                    timestamp=stamp,
                    nonce=nonce,
                    body=body,
                ),
            }
        )
        return self.app(environ, start_response)


OPERATIONS = [
    ("/api/v1/partner/me", "GET"),
    ("/api/v1/partner/accounts/{number}", "GET"),
    ("/api/v1/partner/payments", "POST"),
    ("/api/v1/partner/payments/{reference}", "GET"),
    ("/api/v1/partner/payments/{reference}/reversal", "POST"),
    ("/api/v1/partner/reconciliations", "POST"),
    ("/api/v1/partner/reconciliations/{run_id}", "GET"),
]
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def partner_api_schema(db: Any, settings: Any, bank: Any, billed_account: Any) -> Iterator[Any]:
    settings.KUWWA_PARTNER_RATE_PER_MINUTE = 0  # fuzzing sends hundreds of requests
    account = billed_account("03")  # 030000000145, the account of the schema's examples
    paid = bank.pay("BNK-20261128-000042", {"account_number": account.number, "amount": 100_00})
    assert paid.status_code == 201  # the schema's example reference: status and reversal find it
    app = SigningMiddleware(get_wsgi_application(), bank.key_id, bank.secret)
    # As Django's test client does: the test's transaction must survive each request.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def test_every_partner_operation_is_covered(partner_api_schema: Any) -> None:
    published = {
        (op.ok().path, op.ok().method.upper())
        for op in partner_api_schema.get_all_operations()
        if op.ok().path.startswith("/api/v1/partner/")
    }
    assert published == set(OPERATIONS)


@pytest.mark.parametrize(("path", "method"), OPERATIONS)
def test_the_partner_api_conforms_to_its_schema(
    partner_api_schema: Any, path: str, method: str
) -> None:
    operation = partner_api_schema[path][method]
    examples = partner_api_schema.get_strategies_from_examples(operation)
    strategy = st.one_of(
        operation.as_strategy(),
        operation.as_strategy(generation_mode=GenerationMode.NEGATIVE),
        *examples,
    )

    @given(case=strategy)
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    def run(case: Any) -> None:
        case.call_and_validate(checks=CHECKS)

    run()
