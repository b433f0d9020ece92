"""Paying online: choose bills or an amount, go to the partner, come back with its answer."""

from __future__ import annotations

import logging

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from kuwwa.accounts.models import Account
from kuwwa.collection.models import Receipt
from kuwwa.core.errors import ApplicationError
from kuwwa.organizations.models import Partner
from kuwwa.portal.access import Access, access_of, payment_remember, payment_started_here
from kuwwa.portal.forms import PayForm
from kuwwa.portal.models import PaymentSession
from kuwwa.portal.partners import handoff_url, partner_config, portal_partners, signature_ok
from kuwwa.portal.payments import pay_session_complete, pay_session_find, pay_session_start
from kuwwa.portal.selectors import account_view
from kuwwa.portal.views.common import not_found, portal_view, verified_account
from kuwwa.portal.views.documents import receipt_pdf_response

log = logging.getLogger("kuwwa.portal")
CALLBACK_FIELDS = ("partner", "reference", "status", "amount", "txn", "sig")


def _partner_choices() -> list[tuple[str, str]]:
    configured = portal_partners()
    rows = Partner.objects.filter(code__in=list(configured), is_active=True).order_by("code")
    return [
        (
            p.code,
            f"{p} — {_('TEST BANK, for testing only')}" if configured[p.code].sandbox else str(p),
        )
        for p in rows
    ]


@verified_account
@require_http_methods(["GET", "POST"])
def pay_form(request: HttpRequest, account: Account, access: Access) -> HttpResponse:
    view = account_view(account=account, access=access)
    bills = [(b.number, b.number) for b in view.summary.open_bills]
    partners = _partner_choices()
    form = PayForm(request.POST or None, bills=bills, partners=partners)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                session = pay_session_start(
                    account=account,
                    partner_code=form.cleaned_data["partner"],
                    bill_numbers=list(form.cleaned_data["bills"]),
                    amount=form.cleaned_data["amount"],
                )
            except ApplicationError as exc:
                form.add_error(None, str(exc))
            else:
                payment_remember(request, session.reference)
                return redirect(handoff_url(session, return_url=_return_url(request, session)))
        status = 400
    return render(
        request,
        "portal/pay.html",
        {"view": view, "summary": view.summary, "form": form, "available": bool(partners)},
        status=status,
    )


def _return_url(request: HttpRequest, session: PaymentSession) -> str:
    """Where the partner sends the citizen back: our public address (KUWWA_PUBLIC_URL) for a
    real bank, this very host for the sandbox (which runs inside this server)."""
    path = reverse("portal:pay-callback")
    config = partner_config(session.partner_code)
    if config is not None and config.sandbox:
        return request.build_absolute_uri(path)
    return f"{settings.KUWWA_PUBLIC_URL}{path}"


def _callback_params(request: HttpRequest) -> dict[str, str]:
    source = request.POST if request.method == "POST" else request.GET
    return {k: str(source.get(k, ""))[:200] for k in CALLBACK_FIELDS}


@csrf_exempt  # the partner's signature, not a cookie, proves where this came from
@portal_view
@require_http_methods(["GET", "POST"])
def pay_callback(request: HttpRequest) -> HttpResponse:
    """The partner's signed answer: the browser coming back (GET), or the bank's server (POST)."""
    params = _callback_params(request)
    config = partner_config(params["partner"])
    if config is None or not signature_ok(params, config.secret):
        log.warning("portal callback refused: bad signature for %s", params["reference"][:40])
        return render(request, "portal/pay_refused.html", status=400)
    try:
        session = pay_session_complete(
            reference=params["reference"],
            partner_code=params["partner"],
            status=params["status"],
            amount=int(params["amount"]) if params["amount"].isdigit() else -1,
            partner_txn=params["txn"],
        )
    except ApplicationError as exc:
        log.warning("portal callback refused for %s: %s", params["reference"][:40], exc)
        return render(request, "portal/pay_refused.html", {"message": str(exc)}, status=400)
    if request.method == "POST":
        return HttpResponse(f"OK {session.status}", content_type="text/plain")
    return redirect("portal:pay-done", reference=session.reference)


def _session_for(request: HttpRequest, reference: str) -> PaymentSession | None:
    session = pay_session_find(reference)
    if session is None:
        return None
    if payment_started_here(request, session.reference):
        return session
    return session if access_of(request, session.account) is not None else None


@portal_view
@require_GET
def pay_done(request: HttpRequest, reference: str) -> HttpResponse:
    """The result, for the browser that started the payment (or a verified one)."""
    session = _session_for(request, reference)
    if session is None:
        return not_found(request)
    return render(request, "portal/pay_done.html", {"session": session})


@portal_view
@require_GET
def pay_receipt_pdf(request: HttpRequest, reference: str) -> HttpResponse:
    session = _session_for(request, reference)
    if session is None or not session.receipt_number:
        return not_found(request)
    receipt = Receipt.objects.filter(
        company__code=session.receipt_number[:2], number=session.receipt_number
    ).first()
    if receipt is None:
        return not_found(request)
    access = access_of(request, session.account)
    return receipt_pdf_response(receipt, strong=bool(access and access.strong))
