"""Rate limits of the public portal, counted in Django's cache (fixed windows).

Account numbers are sequential, so without limits anyone could walk through them or guess a
meter's last four characters. The default LocMemCache counts per process; production runs
with KUWWA_CACHE=database so every worker shares one count (docs/portal.md).
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext_lazy as _

from kuwwa.core.errors import ApplicationError

MINUTE = 60
HOUR = 3600


class TooManyAttempts(ApplicationError):
    code = "TOO_MANY_REQUESTS"
    http_status = 429
    default_message = _("Too many attempts from your connection. Wait a minute and try again.")


def limit(name: str, default: int) -> int:
    """A limit from settings (KUWWA_PORTAL_<NAME>), else the documented default."""
    return int(getattr(settings, f"KUWWA_PORTAL_{name}", default))


def _key(bucket: str, who: str, window: int) -> str:
    return f"kuwwa:portal:{bucket}:{who}:{int(time.time()) // window}"


def throttle_count(*, bucket: str, who: str, window: int) -> int:
    """How many hits this window has so far (nothing is counted)."""
    return int(cache.get(_key(bucket, who, window)) or 0)


def throttle_add(*, bucket: str, who: str, window: int) -> int:
    """Count one hit and return the window's total."""
    key = _key(bucket, who, window)
    cache.add(key, 0, timeout=window * 2)
    try:
        return int(cache.incr(key))
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window * 2)
        return 1


def throttle_hit(
    *, bucket: str, who: str, allowed: int, window: int, message: str | None = None
) -> None:
    """Count one hit; over `allowed` in the window → TooManyAttempts."""
    if throttle_add(bucket=bucket, who=who, window=window) > allowed:
        raise TooManyAttempts(message) if message else TooManyAttempts()


def lookup_hit(*, client: str) -> None:
    """Every lookup, verification attempt, code request or document from one address."""
    throttle_hit(bucket="ip", who=client, allowed=limit("LOOKUPS_PER_MINUTE", 20), window=MINUTE)


FAILED_MESSAGE = _(
    "Too many failed verifications for this account. Try again in an hour, or ask your "
    "electricity company."
)


def failures_check(*, account_number: str) -> None:
    """Refuse any verification (even a right one) once the account's failures hit the limit."""
    allowed = limit("FAILED_VERIFICATIONS_PER_HOUR", 10)
    if throttle_count(bucket="fail", who=account_number, window=HOUR) >= allowed:
        raise TooManyAttempts(FAILED_MESSAGE)


def failure_add(*, account_number: str) -> None:
    throttle_add(bucket="fail", who=account_number, window=HOUR)
