"""Who may see what in this browser: accounts verified in the session, and a signed-in citizen.

A verification lasts KUWWA_PORTAL_VERIFIED_MINUTES (15) from the moment it succeeded, per
account, and is kept only in the server-side session. "Strong" access (a code sent to the
account's registered phone, or the citizen's own phone being the account's) shows the holder's
name in full; knowing the meter's serial (anyone at the meter can read it) shows it masked.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.http import HttpRequest

from kuwwa.accounts.models import Account
from kuwwa.portal.models import CitizenAccountLink, CitizenProfile
from kuwwa.portal.throttle import limit

VERIFIED = "portal.verified"
CITIZEN = "portal.citizen"
PAYMENTS = "portal.payments"
SIGN_IN_PHONE = "portal.sign_in_phone"
STRONG = frozenset({"sms", "phone"})


@dataclass(frozen=True)
class Access:
    via: str  # "meter", "sms" or "phone"
    until: float | None = None  # epoch seconds; None for a signed-in citizen's own account

    @property
    def strong(self) -> bool:
        return self.via in STRONG


def client_ip(request: HttpRequest) -> str:
    """REMOTE_ADDR only: X-Forwarded-For is forgeable (docs/portal.md, behind a proxy)."""
    return str(request.META.get("REMOTE_ADDR") or "unknown")


def _verified(request: HttpRequest) -> dict[str, dict[str, object]]:
    now = time.time()
    entries = request.session.get(VERIFIED, {})
    return {k: v for k, v in entries.items() if float(v.get("until", 0)) > now}


def verified_grant(request: HttpRequest, *, account: Account, via: str) -> None:
    """Remember a successful verification; a new session key stops session fixation."""
    entries = _verified(request)
    until = time.time() + 60 * limit("VERIFIED_MINUTES", 15)
    entries[account.number] = {"until": until, "via": via}
    request.session.cycle_key()
    request.session[VERIFIED] = entries


def verified_forget(request: HttpRequest, *, account: Account) -> None:
    entries = _verified(request)
    entries.pop(account.number, None)
    request.session[VERIFIED] = entries


def access_of(request: HttpRequest, account: Account) -> Access | None:
    """How this browser may see the account, or None (only the public facts)."""
    entry = _verified(request).get(account.number)
    if entry is not None:
        return Access(via=str(entry["via"]), until=float(entry["until"]))  # type: ignore[arg-type]
    profile_id = citizen_id(request)
    if profile_id is not None:
        via = (
            CitizenAccountLink.objects.filter(
                company_id=account.company_id, profile_id=profile_id, account=account
            )
            .values_list("verified_via", flat=True)
            .first()
        )
        if via:
            return Access(via=via)
    return None


def citizen_id(request: HttpRequest) -> int | None:
    entry = request.session.get(CITIZEN)
    if not entry or float(entry.get("until", 0)) <= time.time():
        return None
    return int(entry["id"])


def citizen_of(request: HttpRequest) -> CitizenProfile | None:
    profile_id = citizen_id(request)
    return CitizenProfile.objects.filter(pk=profile_id).first() if profile_id else None


def citizen_sign_in(request: HttpRequest, profile: CitizenProfile) -> None:
    request.session.cycle_key()
    hours = limit("SIGNED_IN_HOURS", 12)
    request.session[CITIZEN] = {"id": profile.pk, "until": time.time() + 3600 * hours}
    request.session.pop(SIGN_IN_PHONE, None)


def citizen_sign_out(request: HttpRequest) -> None:
    """Forget the citizen and every verification made in this browser."""
    request.session.flush()


def payment_remember(request: HttpRequest, reference: str) -> None:
    started = [r for r in request.session.get(PAYMENTS, []) if r != reference][-19:]
    request.session[PAYMENTS] = [*started, reference]


def payment_started_here(request: HttpRequest, reference: str) -> bool:
    return reference in request.session.get(PAYMENTS, [])
