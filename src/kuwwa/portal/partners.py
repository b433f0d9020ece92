"""Payment partners of the portal: configuration and HMAC signatures.

Real partners are added by configuration, not by code: KUWWA_PORTAL_PARTNERS (a setting, or
the same JSON in the environment variable) maps a partner code to how to reach it:

    {"bank-x": {"hosted_url": "https://pay.bank-x.sy/kuwwa/{reference}", "secret": "…"}}

The Partner row with that code and its virtual collection center come from the back office.
Outside production, with nothing configured, the built-in sandbox bank is the only partner;
in production the sandbox is never offered.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse
from django.utils.crypto import salted_hmac

from kuwwa.core.money import currency
from kuwwa.organizations.models import CollectionCenter, Partner
from kuwwa.portal.models import PaymentSession

SANDBOX = "sandbox-bank"


@dataclass(frozen=True)
class PartnerConfig:
    code: str
    hosted_url: str  # may contain {reference}
    secret: str
    sandbox: bool = False


def _production() -> bool:
    return bool(getattr(settings, "PRODUCTION", False))


def sandbox_secret() -> str:
    """Derived from SECRET_KEY, so no secret is written in code and each install differs."""
    return salted_hmac("kuwwa.portal.sandbox-bank", "secret", algorithm="sha256").hexdigest()


def _raw() -> dict[str, dict[str, object]]:
    configured = getattr(settings, "KUWWA_PORTAL_PARTNERS", None)
    if configured is None:
        env = os.environ.get("KUWWA_PORTAL_PARTNERS", "").strip()
        configured = json.loads(env) if env else None
    if configured is None:
        if _production():
            return {}
        return {SANDBOX: {"hosted_url": "", "secret": "", "sandbox": True}}
    return dict(configured)


def portal_partners() -> dict[str, PartnerConfig]:
    """Configured partners; a sandbox entry is dropped in production."""
    partners: dict[str, PartnerConfig] = {}
    for code, raw in _raw().items():
        sandbox = bool(raw.get("sandbox")) or code == SANDBOX
        if sandbox and _production():
            continue
        hosted = str(raw.get("hosted_url") or "")
        if sandbox and not hosted:
            hosted = reverse("portal:sandbox-bank", kwargs={"reference": "REF"}).replace(
                "REF", "{reference}"
            )
        secret = str(raw.get("secret") or (sandbox_secret() if sandbox else ""))
        if hosted and secret:
            partners[code] = PartnerConfig(code, hosted, secret, sandbox)
    return partners


def partner_config(code: str) -> PartnerConfig | None:
    return portal_partners().get(code)


def partner_channel(code: str) -> tuple[Partner, CollectionCenter] | None:
    """The partner's row and its active virtual center, or None if either is missing."""
    partner = Partner.objects.filter(code=code, is_active=True).first()
    if partner is None:
        return None
    center = (
        CollectionCenter.objects.select_related("company")
        .filter(partner=partner, kind=CollectionCenter.Kind.VIRTUAL, is_active=True)
        .order_by("pk")
        .first()
    )
    return (partner, center) if center is not None else None


def canonical(params: dict[str, str]) -> str:
    """key=value pairs sorted by key, joined by &, without `sig`; values as sent, not encoded."""
    return "&".join(f"{k}={params[k]}" for k in sorted(params) if k != "sig")


def sign(params: dict[str, str], secret: str) -> str:
    return hmac.new(secret.encode(), canonical(params).encode(), hashlib.sha256).hexdigest()


def signature_ok(params: dict[str, str], secret: str) -> bool:
    given = params.get("sig", "")
    return bool(given) and hmac.compare_digest(given, sign(params, secret))


def handoff_url(session: PaymentSession, *, return_url: str) -> str:
    """Where the citizen's browser goes: the partner's page with our signed request."""
    config = partner_config(session.partner_code)
    if config is None:
        raise ValueError(f"partner {session.partner_code} is not configured")
    params = {
        "reference": session.reference,
        "amount": str(session.amount),
        "currency": currency().code,
        "return": return_url,
    }
    query = {**params, "sig": sign(params, config.secret)}
    base = config.hosted_url.replace("{reference}", session.reference)
    return f"{base}{'&' if '?' in base else '?'}{urlencode(query)}"
