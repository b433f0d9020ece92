"""Inquiry: the public facts of an account, its verification, and the verified page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kuwwa.accounts.models import Account
from kuwwa.accounts.numbers import parse_account_number
from kuwwa.core.errors import ApplicationError
from kuwwa.portal.access import (
    access_of,
    citizen_id,
    client_ip,
    verified_forget,
    verified_grant,
)
from kuwwa.portal.chart import consumption_svg
from kuwwa.portal.forms import CodeForm, InquiryForm, MeterForm
from kuwwa.portal.models import CitizenAccountLink
from kuwwa.portal.selectors import account_view, public_facts
from kuwwa.portal.throttle import lookup_hit
from kuwwa.portal.verification import (
    account_code_send,
    account_verify_code,
    account_verify_meter,
)
from kuwwa.portal.views.common import find_account, not_found, page_lang, portal_view


def _account_url(account: Account) -> str:
    return reverse("portal:account", kwargs={"number": account.number})


@portal_view
@require_http_methods(["GET", "POST"])
def home(request: HttpRequest) -> HttpResponse:
    """The inquiry form; a valid number goes to the account's page (no lookup yet)."""
    form = InquiryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            parsed = parse_account_number(form.cleaned_data["number"])
        except ApplicationError as exc:
            form.add_error("number", str(exc))
        else:
            return redirect("portal:account", number=parsed.compact)
    return render(
        request, "portal/home.html", {"form": form, "signed_in": citizen_id(request) is not None}
    )


def _public(
    request: HttpRequest, account: Account, *, status: int = 200, **extra: Any
) -> HttpResponse:
    context = {
        "facts": public_facts(account=account),
        "meter_form": extra.pop("meter_form", None) or MeterForm(),
        "code_form": extra.pop("code_form", None) or CodeForm(),
        **extra,
    }
    return render(request, "portal/account_public.html", context, status=status)


def _full(request: HttpRequest, account: Account) -> HttpResponse:
    access = access_of(request, account)
    assert access is not None
    view = account_view(account=account, access=access)
    profile_id = citizen_id(request)
    in_list = (
        profile_id is not None
        and CitizenAccountLink.objects.filter(
            company_id=account.company_id, profile_id=profile_id, account=account
        ).exists()
    )
    chart = consumption_svg(
        view.summary.consumption,
        lang=page_lang(),
        title=_("Consumption of the last 12 cycles, in kWh"),
        unit=_("kWh"),
    )
    return render(
        request,
        "portal/account.html",
        {
            "view": view,
            "summary": view.summary,
            "chart": chart,
            "signed_in": profile_id is not None,
            "in_list": in_list,
        },
    )


@portal_view
def account_page(request: HttpRequest, number: str) -> HttpResponse:
    """Verified: everything. Not verified: the public facts only, and a lookup is counted."""
    account = find_account(number)
    if account is not None and access_of(request, account) is not None:
        return _full(request, account)
    lookup_hit(client=client_ip(request))
    if account is None:
        return not_found(request, _("No account has this number. Check it on your bill."))
    return _public(request, account)


def _posted_account(request: HttpRequest, number: str) -> Account | HttpResponse:
    """The account a verification form posts about, counted as a lookup; a GET (say, the
    language switch coming back here) returns to the account page."""
    if request.method == "GET":
        return redirect("portal:account", number=number)
    lookup_hit(client=client_ip(request))
    account = find_account(number)
    if account is None:
        return not_found(request, _("No account has this number. Check it on your bill."))
    return account


@portal_view
@require_http_methods(["GET", "POST"])
def verify_meter(request: HttpRequest, number: str) -> HttpResponse:
    found = _posted_account(request, number)
    if isinstance(found, HttpResponse):
        return found
    account = found
    form = MeterForm(request.POST)
    if form.is_valid():
        if account_verify_meter(account=account, suffix=form.cleaned_data["suffix"]):
            verified_grant(request, account=account, via="meter")
            return redirect(_account_url(account))
        form.add_error("suffix", _("This does not match the meter of this account."))
    return _public(request, account, meter_form=form)


@portal_view
@require_http_methods(["GET", "POST"])
def send_code(request: HttpRequest, number: str) -> HttpResponse:
    found = _posted_account(request, number)
    if isinstance(found, HttpResponse):
        return found
    account = found
    account_code_send(account=account)
    return _public(request, account, code_sent=True)


@portal_view
@require_http_methods(["GET", "POST"])
def verify_code(request: HttpRequest, number: str) -> HttpResponse:
    found = _posted_account(request, number)
    if isinstance(found, HttpResponse):
        return found
    account = found
    form = CodeForm(request.POST)
    if form.is_valid():
        if account_verify_code(account=account, code=form.cleaned_data["code"]):
            verified_grant(request, account=account, via="sms")
            return redirect(_account_url(account))
        form.add_error(
            "code",
            _("The code is wrong or has expired. After 3 wrong tries, ask for a new code."),
        )
    return _public(request, account, code_form=form, code_sent=True)


@portal_view
@require_POST
def forget(request: HttpRequest, number: str) -> HttpResponse:
    """End the verification of this account in this browser."""
    account = find_account(number)
    if account is not None:
        verified_forget(request, account=account)
    return redirect("portal:home")
