"""Receipt pages: the public verification page and the staff receipt document.

Thin: the rules live in collection.verification (what is genuine), collection.documents (what a
receipt shows) and organizations.scopes (who may see which receipt).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from kuwwa.accounts.selectors import mask_name
from kuwwa.collection.documents import (
    format_moment,
    format_number,
    receipt_document,
    receipt_holder_name,
    receipt_html,
    receipt_pdf,
    receipt_thermal_html,
)
from kuwwa.collection.models import Receipt
from kuwwa.collection.verification import (
    TooManyLookups,
    Verdict,
    lookup_throttle,
    receipt_number_normalise,
    receipt_verify_any,
)
from kuwwa.core.money import format_amount
from kuwwa.organizations.roles import Role
from kuwwa.organizations.scopes import Scope, scope_of

TITLES = {
    "authentic": gettext_lazy("Authentic receipt"),
    "reversed": gettext_lazy("Reversed receipt"),
    "not_authentic": gettext_lazy("Not authentic"),
    "unknown": gettext_lazy("Receipt not found"),
}
ICONS = {"authentic": "✓", "reversed": "⊘", "not_authentic": "✗", "unknown": "?"}


def client_ip(request: HttpRequest) -> str:
    """The address the throttle counts. REMOTE_ADDR only: X-Forwarded-For is forgeable, so
    behind a proxy the proxy must set REMOTE_ADDR (docs/receipts.md)."""
    return str(request.META.get("REMOTE_ADDR") or "unknown")


def _facts(verdict: Verdict, lang: str) -> list[tuple[str, str, bool]]:
    """(label, value, left-to-right) rows a person compares with the paper; never the name."""
    if not verdict.found or verdict.amount is None or verdict.issued_at is None:
        return []

    def name(ar: str | None, en: str | None) -> str:
        return (en if lang == "en" and en else ar) or ""

    def digits(text: str | None) -> str:
        return format_number(text or "", lang)

    collector = name(verdict.collector_name_ar, verdict.collector_name_en)
    owner = name(verdict.owner_name_ar, verdict.owner_name_en)
    rows = [
        (_("Receipt number"), digits(verdict.number), True),
        (_("Amount paid"), format_amount(verdict.amount, language=lang), False),
        (_("Date and time"), format_moment(verdict.issued_at, lang), False),
        (_("Account number"), digits(verdict.account_masked), True),
        (_("Collected by"), collector, False),
    ]
    if owner != collector:
        rows.append((_("Electricity company of the account"), owner, False))
    return rows


@require_GET
@never_cache
def verify_page(request: HttpRequest) -> HttpResponse:
    """Check a receipt: from its scanned QR code (c, s) or a typed number (number)."""
    lang = "en" if (translation.get_language() or "ar").startswith("en") else "ar"
    c, s, number = (request.GET.get(k) for k in ("c", "s", "number"))
    context: dict[str, Any] = {"number": (number or "")[:64], "verdict": None}
    status = 200
    if c or s or (number and number.strip()):
        try:
            lookup_throttle(client=client_ip(request))
        except TooManyLookups as exc:
            context["limited"] = str(exc)
            status = 429
        else:
            verdict = receipt_verify_any(c=c, s=s, number=number)
            if verdict is not None:
                context.update(
                    verdict=verdict,
                    title=TITLES[verdict.status],
                    icon=ICONS[verdict.status],
                    message=str(verdict.message),
                    facts=_facts(verdict, lang),
                )
    return render(request, "collection/verify.html", context, status=status)


def _may_see(scope: Scope, receipt: Receipt) -> bool:
    """The collecting center's counter staff, either company's staff, the establishment."""
    at_center = (
        scope.kind == "center"
        and scope.center_id == receipt.center_id
        and scope.has_role(Role.CASHIER, Role.SUPERVISOR)
    )
    return (
        at_center
        or scope.can_view_company(receipt.company_id)
        or scope.can_view_company(receipt.owner_company_id)
    )


FORMATS = ("html", "thermal", "pdf")


@login_required
@require_GET
@never_cache
def receipt_view(request: HttpRequest, number: str) -> HttpResponse:
    """A receipt for staff, as a page, an 80 mm slip or a PDF; 404 outside the user's scope."""
    kind = request.GET.get("format", "html")
    if kind not in FORMATS:
        return HttpResponseBadRequest(_("Unknown format: choose html, thermal or pdf."))
    normalised = receipt_number_normalise(number)
    receipt = (
        Receipt.objects.filter(company__code=normalised[:2], number=normalised).first()
        if normalised
        else None
    )
    scope = scope_of(request.user)
    if receipt is None or not _may_see(scope, receipt):
        raise Http404
    holder = receipt_holder_name(receipt)
    if not scope.sees_holder_of(receipt.owner_company_id):
        holder = mask_name(holder)
    doc = receipt_document(receipt=receipt, holder=holder)
    lang = translation.get_language() or "ar"
    if kind == "pdf":
        response = HttpResponse(receipt_pdf(doc, language=lang), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="receipt-{receipt.number}.pdf"'
        return response
    if kind == "thermal":
        return HttpResponse(receipt_thermal_html(doc, language=lang))
    return HttpResponse(receipt_html(doc, language=lang))
