"""Signing in with a phone and a code, and the citizen's list of accounts."""

from __future__ import annotations

import contextlib

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kuwwa.core.errors import ApplicationError
from kuwwa.portal.access import (
    SIGN_IN_PHONE,
    access_of,
    citizen_of,
    citizen_sign_in,
    citizen_sign_out,
    client_ip,
)
from kuwwa.portal.citizens import (
    link_add,
    link_remove,
    links_of,
    same_phone,
    sign_in,
    sign_in_code_send,
)
from kuwwa.portal.forms import CodeForm, LinkForm, PhoneForm
from kuwwa.portal.phones import phone_mask
from kuwwa.portal.selectors import public_facts
from kuwwa.portal.throttle import TooManyAttempts, lookup_hit
from kuwwa.portal.verification import account_verify_meter
from kuwwa.portal.views.common import find_account, portal_view


@portal_view
@require_http_methods(["GET", "POST"])
def signin(request: HttpRequest) -> HttpResponse:
    form = PhoneForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        lookup_hit(client=client_ip(request))
        try:
            phone = sign_in_code_send(phone_text=form.cleaned_data["phone"])
        except TooManyAttempts:
            raise
        except ApplicationError as exc:
            form.add_error("phone", str(exc))
        else:
            request.session[SIGN_IN_PHONE] = phone
            return redirect("portal:signin-code")
    return render(request, "portal/signin.html", {"form": form})


@portal_view
@require_http_methods(["GET", "POST"])
def signin_code(request: HttpRequest) -> HttpResponse:
    phone = request.session.get(SIGN_IN_PHONE)
    if not phone:
        return redirect("portal:signin")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        lookup_hit(client=client_ip(request))
        profile = sign_in(phone=phone, code=form.cleaned_data["code"])
        if profile is not None:
            citizen_sign_in(request, profile)
            return redirect("portal:my")
        form.add_error(
            "code",
            _("The code is wrong or has expired. After 3 wrong tries, ask for a new code."),
        )
    return render(request, "portal/signin_code.html", {"form": form, "phone": phone_mask(phone)})


@portal_view
@require_POST
def signout(request: HttpRequest) -> HttpResponse:
    citizen_sign_out(request)
    return redirect("portal:home")


def _add(request: HttpRequest, form: LinkForm) -> bool:
    """Add the account when this browser may: verified now, same phone, or the meter's serial."""
    profile = citizen_of(request)
    assert profile is not None
    account = find_account(form.cleaned_data["number"])
    if account is None:
        form.add_error("number", _("No account has this number. Check it on your bill."))
        return False
    access = access_of(request, account)
    label = form.cleaned_data["label"]
    if access is not None:
        via = access.via
    elif same_phone(profile, account):
        via = "phone"
    elif form.cleaned_data["suffix"] and account_verify_meter(
        account=account, suffix=form.cleaned_data["suffix"]
    ):
        via = "meter"
    else:
        form.add_error("suffix", _("This does not match the meter of this account."))
        return False
    try:
        link_add(profile=profile, account=account, via=via, label=label)
    except ApplicationError as exc:
        form.add_error(None, str(exc))
        return False
    return True


@portal_view
@require_http_methods(["GET", "POST"])
def my_accounts(request: HttpRequest) -> HttpResponse:
    profile = citizen_of(request)
    if profile is None:
        return redirect("portal:signin")
    form = LinkForm(request.POST or None, initial={"number": request.GET.get("number", "")[:40]})
    if request.method == "POST" and form.is_valid():
        lookup_hit(client=client_ip(request))
        if _add(request, form):
            return redirect("portal:my")
    rows = [(link, public_facts(account=link.account)) for link in links_of(profile)]
    return render(
        request,
        "portal/my_accounts.html",
        {"rows": rows, "form": form, "phone": phone_mask(profile.phone)},
        status=400 if form.errors else 200,
    )


@portal_view
@require_POST
def my_remove(request: HttpRequest, link_id: int) -> HttpResponse:
    profile = citizen_of(request)
    if profile is None:
        return redirect("portal:signin")
    with contextlib.suppress(ApplicationError):
        link_remove(profile=profile, link_id=link_id)
    return redirect("portal:my")
