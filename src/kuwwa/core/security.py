"""Security middleware and the throttled login backend.

- ContentSecurityPolicyMiddleware: a strict policy on every response (scripts only from this
  server, no inline scripts, no framing by other sites), plus the usual hardening headers.
- StaffIdleTimeoutMiddleware: a staff session ends after KUWWA_STAFF_IDLE_MINUTES without use.
- ThrottledModelBackend: after KUWWA_LOGIN_MAX_FAILURES failed logins for one username the
  account is locked for KUWWA_LOGIN_LOCKOUT_MINUTES, whatever the password; the counter lives
  in the database so every worker sees it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from kuwwa.core.models import LoginThrottle

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "frame-ancestors 'self'",
        "form-action 'self'",
        "base-uri 'self'",
        "object-src 'none'",
    ]
)
# Swagger UI, served by Django Ninja from its own static files, needs inline script.
CSP_RELAXED_PREFIXES = ("/api/v1/docs",)
CSP_RELAXED = CSP.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'")


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        relaxed = request.path.startswith(CSP_RELAXED_PREFIXES)
        response.headers.setdefault("Content-Security-Policy", CSP_RELAXED if relaxed else CSP)
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=()"
        )
        return response


class StaffIdleTimeoutMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(timezone.now().timestamp())
            last = request.session.get("kuwwa_seen", now)
            if now - int(last) > settings.KUWWA_STAFF_IDLE_MINUTES * 60:
                logout(request)
            else:
                request.session["kuwwa_seen"] = now
        return self.get_response(request)


def _key(username: str) -> str:
    return (username or "").strip().lower()[:150]


def login_locked(username: str) -> bool:
    row = LoginThrottle.objects.filter(username=_key(username)).first()
    return bool(row and row.locked_until and row.locked_until > timezone.now())


@transaction.atomic
def login_failed(username: str) -> None:
    """Count a failure; lock the username when the limit is reached."""
    key = _key(username)
    if not key:
        return
    row, _created = LoginThrottle.objects.select_for_update().get_or_create(username=key)
    LoginThrottle.objects.filter(pk=row.pk).update(failures=F("failures") + 1)
    row.refresh_from_db()
    if row.failures >= settings.KUWWA_LOGIN_MAX_FAILURES:
        minutes = settings.KUWWA_LOGIN_LOCKOUT_MINUTES
        LoginThrottle.objects.filter(pk=row.pk).update(
            failures=0, locked_until=timezone.now() + dt.timedelta(minutes=minutes)
        )


def login_succeeded(username: str) -> None:
    LoginThrottle.objects.filter(username=_key(username)).delete()


class ThrottledModelBackend(ModelBackend):
    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> Any:
        name = username or kwargs.get("username") or ""
        if login_locked(name):
            raise PermissionDenied("locked")  # stops the other backends too
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            login_failed(name)
        else:
            login_succeeded(name)
        return user
