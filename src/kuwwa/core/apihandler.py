"""Machine API requests skip the middleware that only browsers need (ADR 0011).

The JSON API under /api/ authenticates each request itself (signed requests for partners; the
receipt check is public and throttled by address) and sets no cookies, so sessions, CSRF, the
staff's login, idle timeout, flash messages and the frame header do nothing for it but cost
about a third of a millisecond per request. `api_split` serves /api/ with a handler built from
settings.MIDDLEWARE less those, and with Django's LocaleMiddleware in the lean form below, and
everything else with the full stack. Any other middleware added to settings applies to both.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers

API_PREFIX = "/api/"
BROWSER_ONLY = frozenset(
    {
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.middleware.csrf.CsrfViewMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
        "kuwwa.core.security.StaffIdleTimeoutMiddleware",
        "django.contrib.messages.middleware.MessageMiddleware",
        "django.middleware.clickjacking.XFrameOptionsMiddleware",
    }
)


DJANGO_LOCALE = "django.middleware.locale.LocaleMiddleware"
API_LOCALE = "kuwwa.core.apihandler.ApiLocaleMiddleware"


def api_middleware() -> list[str]:
    """settings.MIDDLEWARE without the browser-only entries, in the same order, with the API's
    locale middleware in the place of Django's."""
    return [
        API_LOCALE if name == DJANGO_LOCALE else name
        for name in settings.MIDDLEWARE
        if name not in BROWSER_ONLY
    ]


class ApiLocaleMiddleware:
    """Django's LocaleMiddleware as it behaves for /api/, which has no language prefix in its
    paths: the language of the Accept-Language header (or of the language cookie, or the
    default), said in Content-Language and varied on. Django's looks for a language prefix in
    the path twice per request, a few per cent of an API request's CPU."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        translation.activate(translation.get_language_from_request(request))
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        patch_vary_headers(response, ("Accept-Language",))
        response.headers.setdefault("Content-Language", translation.get_language())
        return response


class ApiWSGIHandler(WSGIHandler):
    """Django's WSGI handler with the API's middleware, answering with the whole body."""

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        """An API answer is in memory already: hand it to the server as a one-item list,
        which a server sends in one write (granian, given Django's response object, pulls its
        chunks one by one back through Python, about a tenth of the API's CPU). A server
        closes only what it iterates, so the response is closed here: request_finished (the
        connections' clean-up) runs before the bytes go out instead of after."""
        response = super().__call__(environ, start_response)
        if not isinstance(response, HttpResponse):  # streamed or a file: as Django gives it
            return response
        try:
            return [response.content]
        finally:
            response.close()

    def load_middleware(self, is_async: bool = False) -> None:
        # BaseHandler reads settings.MIDDLEWARE; swap it for the build, once, at start-up.
        full = settings.MIDDLEWARE
        settings.MIDDLEWARE = api_middleware()
        try:
            super().load_middleware(is_async)
        finally:
            settings.MIDDLEWARE = full


WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def api_split(site: WSGIApp) -> WSGIApp:
    """A WSGI application: paths under /api/ to the API handler, the rest to `site`."""
    api = ApiWSGIHandler()

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        path = environ.get("PATH_INFO", "")
        handler = api if path.startswith(API_PREFIX) else site
        return handler(environ, start_response)

    return application
