"""Is this receipt genuine? The answer the public page and the API give to anyone.

Two ways in: the QR code (the signed canonical line and its Ed25519 signature, which proves the
facts came from Kuwwa) or a number typed by a person (which only proves that such a receipt
exists, so the facts are shown for comparison with the paper). The answer never names the
holder and shows only the last four digits of the account: the page is public and receipt
numbers are sequential. No input, however broken, may raise: every path ends in a Verdict.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Literal

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from kuwwa.collection.models import Receipt
from kuwwa.collection.receipts import CANONICAL_VERSION, receipt_canonical
from kuwwa.core import signing
from kuwwa.core.digits import to_latin_digits
from kuwwa.core.errors import ApplicationError
from kuwwa.core.throttle import throttle_add
from kuwwa.organizations.models import Company

Status = Literal["authentic", "reversed", "not_authentic", "unknown"]

# Longer than any real value: refused before any decoding or database work.
MAX_CANONICAL_CHARS = 400
MAX_SIGNATURE_CHARS = 128
MAX_NUMBER_CHARS = 64

NUMBER_RE = re.compile(r"[0-9]{2}-[0-9]{4}-[0-9]{4}-[0-9]{6}", re.ASCII)
_DIGITS16_RE = re.compile(r"[0-9]{16}", re.ASCII)
# What people and copy-paste put inside a number: spaces, direction marks, other dashes.
_SPACES = " \t\r\n\u00a0\u202f\u2009\u200e\u200f\u061c\u2066\u2067\u2068\u2069"
_DROP = {ord(c): None for c in _SPACES}
_DASHES = {ord(c): "-" for c in "\u2010\u2011\u2012\u2013\u2014\u2212\u0640_/."}

MESSAGES: dict[str, Promise] = {
    "signed": _("This receipt is authentic: it was issued by Kuwwa and is valid."),
    "number_found": _(
        "A valid receipt with this number exists. Check that the amount, date and account "
        "below match your paper receipt."
    ),
    "reversed": _(
        "This receipt was issued by Kuwwa, but its payment was reversed (cancelled): "
        "it is no longer valid."
    ),
    "bad_code": _("This code is not a Kuwwa receipt code."),
    "bad_signature": _(
        "This receipt is not authentic: its code was not signed by Kuwwa, or its details "
        "were changed."
    ),
    "mismatch": _("This receipt is not authentic: its details do not match our records."),
    "not_found": _(
        "No receipt with this number was found. Check the number; if the payment was made "
        "just now, ask the collection center."
    ),
    "bad_number": _(
        "This is not a receipt number. A receipt number looks like 03-0012-2026-000123."
    ),
}


class TooManyLookups(ApplicationError):
    code = "TOO_MANY_REQUESTS"
    http_status = 429
    default_message = _("Too many checks from your connection. Wait a minute and try again.")


@dataclass(frozen=True)
class Verdict:
    """The answer about one receipt; the facts are set only when the receipt was found."""

    status: Status
    reason: str  # a key of MESSAGES
    number: str | None = None
    amount: int | None = None  # minor units
    issued_at: dt.datetime | None = None
    account_masked: str | None = None
    collector_code: str | None = None
    collector_name_ar: str | None = None
    collector_name_en: str | None = None
    owner_code: str | None = None
    owner_name_ar: str | None = None
    owner_name_en: str | None = None

    @property
    def message(self) -> Promise:
        """Lazy: str() it inside the language wanted."""
        return MESSAGES[self.reason]

    @property
    def found(self) -> bool:
        return self.number is not None


def mask_account_number(compact: str) -> str:
    """Only the last four digits show, dashes kept: 030001234568 → ••-••••••45-68.

    Enough to compare with the paper, too little to find the account (receipt numbers are
    sequential, so anyone may look up many receipts).
    """
    digits = [c for c in compact if c.isdigit()]
    keep = len(digits) - 4
    masked = "".join("•" if i < keep else c for i, c in enumerate(digits))
    if len(masked) == 12:
        return f"{masked[:2]}-{masked[2:10]}-{masked[10:]}"
    return masked


def receipt_number_normalise(text: str) -> str | None:
    """A typed number in canonical form (CC-CCCC-YYYY-NNNNNN), or None if it cannot be one.

    Arabic-Indic and Persian digits, spaces, direction marks and other dashes are accepted;
    16 digits without dashes too.
    """
    if not isinstance(text, str) or len(text) > MAX_NUMBER_CHARS:
        return None
    raw = to_latin_digits(text).translate(_DROP).translate(_DASHES).strip("-")
    if _DIGITS16_RE.fullmatch(raw):
        raw = f"{raw[:2]}-{raw[2:6]}-{raw[6:10]}-{raw[10:]}"
    return raw if NUMBER_RE.fullmatch(raw) else None


def _find(number: str) -> Receipt | None:
    return Receipt.objects.filter(company__code=number[:2], number=number).first()


def _owner_code(receipt: Receipt) -> str | None:
    codes = Company.objects.filter(pk=receipt.owner_company_id).values_list("code", flat=True)
    return codes.first()


def stored_canonical(receipt: Receipt) -> str | None:
    """The canonical line recomputed from the stored receipt (None if its owner is gone)."""
    owner_code = _owner_code(receipt)
    if owner_code is None:
        return None
    return receipt_canonical(
        number=receipt.number,
        account_number=receipt.account_number,
        amount=receipt.amount,
        issued_at=receipt.issued_at,
        owner_code=owner_code,
    )


def _found(receipt: Receipt, *, reason: str) -> Verdict:
    companies = Company.objects.in_bulk([receipt.company_id, receipt.owner_company_id])
    collector = companies.get(receipt.company_id)
    owner = companies.get(receipt.owner_company_id)
    reversed_ = receipt.status == Receipt.Status.REVERSED
    return Verdict(
        status="reversed" if reversed_ else "authentic",
        reason="reversed" if reversed_ else reason,
        number=receipt.number,
        amount=receipt.amount,
        issued_at=receipt.issued_at,
        account_masked=mask_account_number(receipt.account_number),
        collector_code=collector.code if collector else None,
        collector_name_ar=collector.name_ar if collector else None,
        collector_name_en=collector.name_en if collector else None,
        owner_code=owner.code if owner else None,
        owner_name_ar=owner.name_ar if owner else None,
        owner_name_en=owner.name_en if owner else None,
    )


def _decode_canonical(canonical_b64: str) -> str | None:
    try:
        text = signing.b64url_decode(canonical_b64.strip()).decode("utf-8")
    except (ValueError, TypeError):  # binascii.Error and UnicodeDecodeError are ValueErrors
        return None
    if not text.startswith(CANONICAL_VERSION + "|") or len(text.split("|")) != 6:
        return None
    return text


def receipt_verify_qr(*, canonical_b64: str, signature: str) -> Verdict:
    """Check a scanned receipt QR code: the signature first, then our records."""
    if not isinstance(canonical_b64, str) or not isinstance(signature, str):
        return Verdict("not_authentic", "bad_code")
    if len(canonical_b64) > MAX_CANONICAL_CHARS or len(signature) > MAX_SIGNATURE_CHARS:
        return Verdict("not_authentic", "bad_code")
    canonical = _decode_canonical(canonical_b64)
    if canonical is None:
        return Verdict("not_authentic", "bad_code")
    if not signing.verify(canonical, signature.strip()):
        return Verdict("not_authentic", "bad_signature")
    number = canonical.split("|")[1]
    if not NUMBER_RE.fullmatch(number):  # signed by us, yet not a number we issue
        return Verdict("not_authentic", "mismatch")
    receipt = _find(number)
    if receipt is None:
        return Verdict("unknown", "not_found")
    if stored_canonical(receipt) != canonical:
        return Verdict("not_authentic", "mismatch")
    return _found(receipt, reason="signed")


def receipt_verify_number(*, number: str) -> Verdict:
    """Look up a typed receipt number; the facts are shown for comparison with the paper."""
    normalised = receipt_number_normalise(number)
    if normalised is None:
        return Verdict("unknown", "bad_number")
    receipt = _find(normalised)
    if receipt is None:
        return Verdict("unknown", "not_found")
    return _found(receipt, reason="number_found")


def receipt_verify_any(
    *, c: str | None = None, s: str | None = None, number: str | None = None
) -> Verdict | None:
    """The QR parameters win over a typed number; None when nothing was given."""
    if c or s:
        return receipt_verify_qr(canonical_b64=c or "", signature=s or "")
    if number and number.strip():
        return receipt_verify_number(number=number)
    return None


def lookup_throttle(*, client: str) -> None:
    """At most KUWWA_VERIFY_PER_MINUTE lookups per client in any minute (sliding window).

    Raises TooManyLookups over the limit. Shared by the page and the API, so switching
    between them does not double the allowance.
    """
    limit = int(getattr(settings, "KUWWA_VERIFY_PER_MINUTE", 30))
    if throttle_add(bucket="verify", who=client, window=60) > limit:
        raise TooManyLookups()
