"""Operations endpoints: liveness, readiness and Prometheus metrics."""

from __future__ import annotations

import hmac

from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache

from kuwwa.core.metrics import metrics_payload


@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    """The process answers (for the load balancer's liveness probe)."""
    return JsonResponse({"status": "ok"})


@never_cache
def readyz(request: HttpRequest) -> HttpResponse:
    """The database answers and every migration is applied (ready to take traffic)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except Exception as exc:  # any database failure means "not ready"
        return JsonResponse({"status": "unavailable", "error": type(exc).__name__}, status=503)
    if pending:
        return JsonResponse({"status": "migrations pending", "pending": len(pending)}, status=503)
    return JsonResponse({"status": "ready", "database": connection.vendor})


@never_cache
def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus metrics; with KUWWA_METRICS_TOKEN set, a matching bearer token is required."""
    token = settings.KUWWA_METRICS_TOKEN
    if token:
        given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(given, token):
            return HttpResponse(status=403)
    body, content_type = metrics_payload()
    return HttpResponse(body, content_type=content_type)
