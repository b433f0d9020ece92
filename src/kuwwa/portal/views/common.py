"""Shared by the portal views: language, the 429/404/403 pages, and the account guard."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.cache import never_cache

from kuwwa.accounts.models import Account
from kuwwa.core.errors import AccountNotFound, InvalidAccountNumber
from kuwwa.portal.access import access_of, client_ip
from kuwwa.portal.throttle import TooManyAttempts, lookup_hit
from kuwwa.portal.verification import account_find

View = Callable[..., HttpResponse]


def page_lang() -> str:
    return "en" if (translation.get_language() or "ar").startswith("en") else "ar"


def not_found(request: HttpRequest, message: str = "") -> HttpResponse:
    return render(request, "portal/not_found.html", {"message": message}, status=404)


def portal_view(view: View) -> View:
    """Never cached (pages may carry personal data); over a limit → the 429 page."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            response = view(request, *args, **kwargs)
        except TooManyAttempts as exc:
            response = render(request, "portal/limited.html", {"message": str(exc)}, status=429)
            response["Retry-After"] = "60"
        response["X-Robots-Tag"] = "noindex"
        response["Referrer-Policy"] = "same-origin"
        return response

    return never_cache(wrapped)


def find_account(number: str) -> Account | None:
    try:
        return account_find(number)
    except (InvalidAccountNumber, AccountNotFound):
        return None


def verified_account(view: View) -> View:
    """Views that need the account verified in this browser get (account, access)."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, number: str, *args: Any, **kwargs: Any) -> HttpResponse:
        account = find_account(number)
        access = access_of(request, account) if account is not None else None
        if account is None or access is None:
            lookup_hit(client=client_ip(request))
            return render(
                request, "portal/denied.html", {"number": number if account else ""}, status=403
            )
        return view(request, account, access, *args, **kwargs)

    return portal_view(wrapped)
