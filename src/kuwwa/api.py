"""The HTTP API (Django Ninja), mounted at /api/v1/; OpenAPI 3 at /api/v1/openapi.json.

Each bounded context brings its own router (`api.add_router("/receipts", router)`). Errors have
one shape everywhere, {code, message}, in the request's language: an ApplicationError keeps its
stable code and HTTP status, and a request Ninja cannot parse is a 422 that names the fields,
never a 500. On the partner API (requests its signature check has seen) errors also carry
message_ar and message_en, Ninja's own 400 for a body that is not JSON gets the same shape, and
an error's `headers` (Retry-After) are sent (docs/partner-api.md).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import HttpError, ValidationError

from kuwwa.collection.api import router as receipts_router
from kuwwa.core.errors import ApplicationError
from kuwwa.partners.api import router as partners_router
from kuwwa.partners.auth import nonce_settle

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


def _bilingual(request: HttpRequest, render: Callable[[], str]) -> dict[str, str]:
    """Partner API errors also carry the message in both languages (machines log them;
    people at the partner read either): only for requests the partner auth has seen."""
    if not getattr(request, "kuwwa_partner_api", False):
        return {}
    with translation.override("ar"):
        message_ar = render()
    with translation.override("en"):
        message_en = render()
    return {"message_ar": message_ar, "message_en": message_en}


def _refused_first(request: HttpRequest) -> ApplicationError | None:
    """On the operations that fold the nonce into their own statement, a request refused
    before that statement still has its nonce and rate checked (and used up): a replayed or
    rate-limited request is refused as such, whatever else is wrong with it."""
    try:
        nonce_settle(request)
    except ApplicationError as exc:
        return exc
    return None


@api.exception_handler(ApplicationError)
def application_error(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
    exc = _refused_first(request) or exc
    body = {"code": exc.code, "message": str(exc), **_bilingual(request, lambda: str(exc))}
    response = api.create_response(request, body, status=exc.http_status)
    for name, value in getattr(exc, "headers", {}).items():  # Retry-After
        response[name] = value
    return response


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    """Ninja's own refusals (a body that is not JSON): {code, message} on the partner API."""
    if (first := _refused_first(request)) is not None:
        return application_error(request, first)
    if not getattr(request, "kuwwa_partner_api", False):
        return api.create_response(request, {"detail": str(exc)}, status=exc.status_code)

    def render() -> str:
        if exc.status_code == 400:
            return _("The request body is not valid JSON.")
        return str(exc)

    code = "VALIDATION_FAILED" if exc.status_code == 400 else f"HTTP_{exc.status_code}"
    body = {"code": code, "message": render(), **_bilingual(request, render)}
    return api.create_response(request, body, status=exc.status_code)


def _field(error: dict[str, Any]) -> str:
    """ "query.number" from Ninja's ("query", "number") location."""
    return ".".join(str(part) for part in error.get("loc", ()))


@api.exception_handler(ValidationError)
def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    if (first := _refused_first(request)) is not None:
        return application_error(request, first)
    fields = sorted({_field(e) for e in exc.errors if isinstance(e, dict)} - {""})

    def render() -> str:
        return _("The request is not valid. Check: %(fields)s.") % {
            "fields": ", ".join(fields) or "-"
        }

    message = render()
    errors = [
        {"field": _field(e), "message": str(e.get("msg", ""))}
        for e in exc.errors
        if isinstance(e, dict)
    ]
    body = {
        "code": "VALIDATION_FAILED",
        "message": message,
        **_bilingual(request, render),
        "errors": errors,
    }
    return api.create_response(request, body, status=422)


api.add_router("/receipts", receipts_router)
api.add_router("/partner", partners_router)
