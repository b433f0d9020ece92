"""Back-office dashboards and settlement statements: thin views over the selectors.

Every dashboard first brings the summaries up to date without waiting (`stats_refresh(wait=
False)`: cheap when the minute job keeps up), then reads. `?export=csv|xlsx&table=<key>` on
any dashboard downloads that table instead of the page.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.db import DatabaseError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kuwwa.backoffice.access import backoffice_view
from kuwwa.backoffice.exports import table_csv, table_xlsx
from kuwwa.backoffice.formatting import DIGITS_CHOICES, DIGITS_COOKIE, digits_preference
from kuwwa.backoffice.periods import current_period, period_key
from kuwwa.backoffice.refresh import last_refreshed_at, stats_refresh
from kuwwa.backoffice.selectors.bills import aging_page, rate_page
from kuwwa.backoffice.selectors.collections import collections_page
from kuwwa.backoffice.selectors.complaints import complaints_page
from kuwwa.backoffice.selectors.matrix import matrix_page
from kuwwa.backoffice.selectors.readings import readings_page
from kuwwa.backoffice.selectors.staff import staff_page
from kuwwa.backoffice.tables import Page
from kuwwa.core.clock import business_date
from kuwwa.organizations.scopes import companies_visible
from kuwwa.settlement.statements import (
    DayNotSettled,
    settled_days,
    statement_build,
    statement_pdf,
    statement_xlsx,
)

logger = logging.getLogger(__name__)

_CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


def _download(content: bytes, kind: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=_CONTENT_TYPES[kind])
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


def _page(
    request: HttpRequest, template: str, page: Page, title: str, **extra: Any
) -> HttpResponse:
    """The page, or one of its tables as a file when `?export=` asks for it."""
    kind = request.GET.get("export")
    if kind in ("csv", "xlsx"):
        table = page.table(request.GET.get("table", "")) or page.tables[0]
        content = table_csv(table) if kind == "csv" else table_xlsx(table)
        return _download(content, kind, f"kuwwa-{table.key}-{business_date().isoformat()}.{kind}")
    keep = {k: request.GET.get(k, "") for k in request.GET if k not in ("export", "table")}
    context = {
        "page": page,
        "title": title,
        "digits": digits_preference(request),
        "export_query": urlencode(keep),
        "refreshed_at": last_refreshed_at(),
        **extra,
    }
    response = render(request, template, context)
    response["Cache-Control"] = "no-store"
    return response


def _fresh() -> None:
    """Summarise the tail before reading. A failure here must not take the page down: it is
    logged, and the page shows the figures of the last refresh (their time is printed)."""
    try:
        stats_refresh(wait=False)
    except DatabaseError:
        logger.warning("lazy statistics refresh failed", exc_info=True)


@backoffice_view
def collections(request: HttpRequest) -> HttpResponse:
    _fresh()
    period = current_period(request.user)
    page = collections_page(user=request.user, period=period)
    return _page(request, "backoffice/page.html", page, _("Collections"), period=period)


@backoffice_view
def rate(request: HttpRequest) -> HttpResponse:
    _fresh()
    page = rate_page(user=request.user)
    return _page(request, "backoffice/page.html", page, _("Collection rate"))


@backoffice_view
def arrears(request: HttpRequest) -> HttpResponse:
    _fresh()
    page = aging_page(user=request.user, today=business_date())
    return _page(request, "backoffice/arrears.html", page, _("Arrears aging"))


def _day(value: str | None) -> dt.date:
    try:
        return dt.date.fromisoformat(value or "")
    except ValueError:
        return business_date()


@backoffice_view
def matrix(request: HttpRequest) -> HttpResponse:
    _fresh()
    day = _day(request.GET.get("date"))
    page = matrix_page(user=request.user, day=day)
    return _page(request, "backoffice/matrix.html", page, _("Cross-company matrix"), day=day)


@backoffice_view
def staff(request: HttpRequest) -> HttpResponse:
    _fresh()
    key = period_key(request.GET.get("period"))
    period = current_period(request.user)
    page = staff_page(user=request.user, period=period, key=key)
    title = _("Centers and cashiers")
    return _page(request, "backoffice/page.html", page, title, period=period, period_key=key)


@backoffice_view
def readings(request: HttpRequest) -> HttpResponse:
    _fresh()
    page = readings_page(user=request.user)
    return _page(request, "backoffice/page.html", page, _("Meter readings"))


@backoffice_view
def complaints(request: HttpRequest) -> HttpResponse:
    key = period_key(request.GET.get("period"))
    period = current_period(request.user)
    page = complaints_page(user=request.user, period=period, key=key)
    title = _("Complaints")
    return _page(request, "backoffice/page.html", page, title, period=period, period_key=key)


@backoffice_view
def statements(request: HttpRequest) -> HttpResponse:
    days = settled_days()
    companies = list(companies_visible(request.user).order_by("code"))
    context = {
        "title": _("Settlement statements"),
        "days": days,
        "companies": companies,
        "digits": digits_preference(request),
    }
    response = render(request, "backoffice/statements.html", context)
    response["Cache-Control"] = "no-store"
    return response


@backoffice_view
def statement_download(request: HttpRequest, day: str, code: str, kind: str) -> HttpResponse:
    """A company's statement: company scope its own company only, establishment any."""
    company = companies_visible(request.user).filter(code=code).first()
    if company is None:
        raise Http404
    try:
        statement = statement_build(company=company, day=dt.date.fromisoformat(day))
    except (ValueError, DayNotSettled) as exc:
        raise Http404 from exc
    language = request.GET.get("lang") or get_language() or "ar"
    language = "en" if language.startswith("en") else "ar"
    name = f"kuwwa-statement-{code}-{day}-{language}.{kind}"
    if kind == "pdf":
        return _download(statement_pdf(statement, language=language), "pdf", name)
    return _download(statement_xlsx(statement, language=language), "xlsx", name)


@require_POST
def digits_toggle(request: HttpRequest) -> HttpResponse:
    """Remember Arabic-Indic or Latin digits in a cookie, then go back where the user was."""
    target = request.POST.get("next") or "/backoffice/"
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "/backoffice/"
    response = HttpResponseRedirect(target)
    choice = request.POST.get("digits")
    if choice in DIGITS_CHOICES:
        response.set_cookie(
            DIGITS_COOKIE,
            choice,
            max_age=365 * 24 * 3600,
            samesite="Lax",
            secure=request.is_secure(),
            httponly=True,
        )
    return response
