"""Who may open the back-office dashboards, and which companies' figures they see.

Every decision comes from kuwwa.organizations.scopes: establishment scope sees all companies,
company scope its own; center staff (cashiers, supervisors) have the counter, not these pages.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from kuwwa.organizations.scopes import companies_visible, scope_of


def may_use_backoffice(user: Any) -> bool:
    scope = scope_of(user)
    return bool(getattr(user, "is_staff", False)) and scope.kind in ("establishment", "company")


def backoffice_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Login required (redirect), then staff with establishment or company scope (403)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not may_use_backoffice(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def visible_company_ids(user: Any) -> list[int]:
    return list(companies_visible(user).values_list("pk", flat=True))
