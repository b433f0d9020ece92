"""Rate limits of the public portal, counted in Django's cache (sliding windows,
kuwwa.core.throttle).

Account numbers are sequential, so without limits anyone could walk through them or guess a
meter's last four characters. The default LocMemCache counts per process; production runs
with KUWWA_CACHE=database so every worker shares one count (docs/portal.md).
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from kuwwa.core.errors import ApplicationError
from kuwwa.core.throttle import throttle_add, throttle_count

MINUTE = 60
HOUR = 3600


class TooManyAttempts(ApplicationError):
    code = "TOO_MANY_REQUESTS"
    http_status = 429
    default_message = _("Too many attempts from your connection. Wait a minute and try again.")


def limit(name: str, default: int) -> int:
    """A limit from settings (KUWWA_PORTAL_<NAME>), else the documented default."""
    return int(getattr(settings, f"KUWWA_PORTAL_{name}", default))


def throttle_hit(
    *, bucket: str, who: str, allowed: int, window: int, message: str | None = None
) -> None:
    """Count one hit; over `allowed` in the window → TooManyAttempts."""
    if throttle_add(bucket=bucket, who=who, window=window) > allowed:
        raise TooManyAttempts(message) if message else TooManyAttempts()


def lookup_hit(*, client: str) -> None:
    """Every lookup, verification attempt, code request or document from one address."""
    throttle_hit(
        bucket="portal:ip", who=client, allowed=limit("LOOKUPS_PER_MINUTE", 20), window=MINUTE
    )


FAILED_MESSAGE = _(
    "Too many failed verifications for this account. Try again in an hour, or ask your "
    "electricity company."
)


def failures_check(*, account_number: str) -> None:
    """Refuse any verification (even a right one) once the account's failures hit the limit."""
    allowed = limit("FAILED_VERIFICATIONS_PER_HOUR", 10)
    if throttle_count(bucket="portal:fail", who=account_number, window=HOUR) >= allowed:
        raise TooManyAttempts(FAILED_MESSAGE)


def failure_add(*, account_number: str) -> None:
    throttle_add(bucket="portal:fail", who=account_number, window=HOUR)
