"""Receipt numbers and signatures.

Number: collecting company code - center code - year - 6-digit sequence, gapless per center and
year (03-0012-2026-000123). The signature is Ed25519 over a canonical line of the receipt's
content, so a receipt can be checked by anyone holding the public key.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext

from kuwwa.core import signing
from kuwwa.core.counters import counter_next
from kuwwa.core.money import format_amount
from kuwwa.organizations.models import CollectionCenter

CANONICAL_VERSION = "KW1"
DAMASCUS = ZoneInfo("Asia/Damascus")


def payment_audit_stream(*, company_code: str, center_code: str) -> str:
    """The audit chain of the payments collected at a center (ADR 0009): the center's
    receipts are one gapless series already, so its payments wait on no wider lock."""
    return f"payments {company_code}-{center_code}"


def receipt_number_next(
    *, center: CollectionCenter, company_code: str, on: dt.date
) -> tuple[str, int]:
    """Take the next number of the center's series for the year (row lock, gapless)."""
    seq = counter_next(company_id=center.company_id, name=f"receipt:{center.code}:{on.year}")
    return f"{company_code}-{center.code}-{on.year}-{seq:06d}", seq


def receipt_canonical(
    *, number: str, account_number: str, amount: int, issued_at: dt.datetime, owner_code: str
) -> str:
    """The exact text that is signed; any change to these facts breaks the signature."""
    # Always Damascus time, whatever time zone is active when signing or checking.
    moment = issued_at.astimezone(DAMASCUS).strftime("%Y-%m-%dT%H:%M:%S")
    return f"{CANONICAL_VERSION}|{number}|{account_number}|{amount}|{moment}|{owner_code}"


def receipt_sign(canonical: str) -> str:
    return signing.sign(canonical)


def receipt_qr_url(canonical: str, signature: str) -> str:
    """What the receipt's QR code holds: the public verification page with the signed facts."""
    return (
        f"{settings.KUWWA_PUBLIC_URL}/verify/?c={signing.b64url(canonical.encode('utf-8'))}"
        f"&s={signature}"
    )


def receipt_sms_text(*, amount: int, account_number: str, receipt: str) -> str:
    """The receipt SMS, always in Arabic (what subscribers read)."""
    return _sms_format_ar() % {
        "amount": format_amount(amount, language="ar"),
        "account": account_number,
        "receipt": receipt,
    }


@cache
def _sms_format_ar() -> str:
    """The Arabic text of the SMS, looked up once per process (catalogs do not change)."""
    with translation.override("ar"):
        return gettext("Kuwwa: %(amount)s received for account %(account)s. Receipt %(receipt)s.")
