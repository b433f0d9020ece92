"""The HTTP API (Django Ninja), mounted at /api/v1/; OpenAPI 3 at /api/v1/openapi.json.

Each bounded context brings its own router (`api.add_router("/receipts", router)`). Errors have
one shape everywhere, {code, message}, in the request's language: an ApplicationError keeps its
stable code and HTTP status, and a request Ninja cannot parse is a 422 that names the fields,
never a 500.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import ValidationError

from kuwwa.collection.api import router as receipts_router
from kuwwa.core.errors import ApplicationError

api = NinjaAPI(
    title="Kuwwa API",
    version="1",
    description=(
        "Kuwwa, the national single window for electricity bills. Amounts are integers in "
        "the currency's minor unit (SYP: 1 pound = 100). Errors are {code, message}."
    ),
    urls_namespace="api-v1",
    docs_url="/docs",
)


@api.exception_handler(ApplicationError)
def application_error(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
    return api.create_response(
        request, {"code": exc.code, "message": str(exc)}, status=exc.http_status
    )


def _field(error: dict[str, Any]) -> str:
    """ "query.number" from Ninja's ("query", "number") location."""
    return ".".join(str(part) for part in error.get("loc", ()))


@api.exception_handler(ValidationError)
def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    fields = sorted({_field(e) for e in exc.errors if isinstance(e, dict)} - {""})
    message = _("The request is not valid. Check: %(fields)s.") % {
        "fields": ", ".join(fields) or "-"
    }
    errors = [
        {"field": _field(e), "message": str(e.get("msg", ""))}
        for e in exc.errors
        if isinstance(e, dict)
    ]
    return api.create_response(
        request, {"code": "VALIDATION_FAILED", "message": message, "errors": errors}, status=422
    )


api.add_router("/receipts", receipts_router)
