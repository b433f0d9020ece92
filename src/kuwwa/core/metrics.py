"""Prometheus metrics: payments, refusals, request latency and errors.

With several worker processes set PROMETHEUS_MULTIPROC_DIR (prometheus_client's multiprocess
mode) so /metrics adds up every worker; with one process nothing is needed.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)

PAYMENTS = Counter(
    "kuwwa_payments_total", "Payments by channel and outcome", ["channel", "outcome"]
)
REFUSALS = Counter("kuwwa_refusals_total", "Refused requests by error code", ["code"])
REQUEST_SECONDS = Histogram(
    "kuwwa_request_seconds",
    "Server time per request",
    ["method", "route"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1, 2, 5),
)
HTTP_ERRORS = Counter("kuwwa_http_errors_total", "Responses with status 4xx/5xx", ["status"])


class MetricsMiddleware:
    """Times every request under its URL pattern (not its path: no personal data in labels)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        start = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        route = match.route if match is not None and match.route else "unmatched"
        REQUEST_SECONDS.labels(request.method or "", route[:80]).observe(
            time.perf_counter() - start
        )
        if response.status_code >= 400:
            HTTP_ERRORS.labels(str(response.status_code)).inc()
        return response


def metrics_payload() -> tuple[bytes, str]:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(), CONTENT_TYPE_LATEST
