"""The sandbox bank: a TEST partner inside the server, so the whole payment journey runs
offline. It behaves like a real hosted payment page: it trusts only our signed request, and
answers with a callback signed by its own secret. Never offered in production."""

from __future__ import annotations

import secrets
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from kuwwa.portal.partners import SANDBOX, partner_config, sign, signature_ok
from kuwwa.portal.views.common import not_found, portal_view

REQUEST_FIELDS = ("reference", "amount", "currency", "return", "sig")


@portal_view
@require_http_methods(["GET", "POST"])
def sandbox_bank(request: HttpRequest, reference: str) -> HttpResponse:
    config = partner_config(SANDBOX)
    if config is None or not config.sandbox:
        return not_found(request)
    source = request.POST if request.method == "POST" else request.GET
    params = {k: str(source.get(k, ""))[:300] for k in REQUEST_FIELDS}
    valid = (
        params["reference"] == reference
        and params["amount"].isdigit()
        and signature_ok(params, config.secret)
    )
    if not valid:
        return render(request, "portal/sandbox_bank.html", {"invalid": True}, status=400)
    if request.method == "POST":
        answer = {
            "partner": SANDBOX,
            "reference": params["reference"],
            "status": "paid" if request.POST.get("action") == "pay" else "cancelled",
            "amount": params["amount"],
            "txn": f"SBX-{secrets.token_hex(6).upper()}",
        }
        answer["sig"] = sign(answer, config.secret)
        return redirect(f"{params['return']}?{urlencode(answer)}")
    return render(
        request,
        "portal/sandbox_bank.html",
        {"params": params, "amount": int(params["amount"])},
    )
