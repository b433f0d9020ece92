"""Receipts in the API: public verification (no authentication, throttled like the page)."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Literal

from django.http import HttpRequest
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from ninja import Field, Router, Schema
from ninja.params import P, QueryEx

from kuwwa.collection.receipts import CANONICAL_VERSION
from kuwwa.collection.verification import Verdict, lookup_throttle, receipt_verify_any
from kuwwa.collection.views import client_ip
from kuwwa.core import signing
from kuwwa.core.errors import ValidationFailed
from kuwwa.core.money import currency

router = Router(tags=["receipts"])
LOCAL_TZ = zoneinfo.ZoneInfo("Asia/Damascus")


class CompanyOut(Schema):
    code: str
    name_ar: str
    name_en: str


class ReceiptFactsOut(Schema):
    number: str = Field(examples=["03-0012-2026-000123"])
    amount: int = Field(description="In the currency's minor unit (SYP: 1 pound = 100).")
    currency: str = Field(examples=["SYP"])
    issued_at: dt.datetime = Field(description="Local time, Asia/Damascus.")
    account_masked: str = Field(
        description="Only the last four digits of the account number.",
        examples=["••-••••••45-68"],
    )
    collecting_company: CompanyOut | None
    owning_company: CompanyOut | None


class VerifyOut(Schema):
    status: Literal["authentic", "reversed", "not_authentic", "unknown"]
    reason: str = Field(description="Why: signed, number_found, reversed, bad_code, ...")
    message_ar: str
    message_en: str
    receipt: ReceiptFactsOut | None = Field(description="Set only when the receipt was found.")


class PublicKeyOut(Schema):
    algorithm: Literal["Ed25519"]
    public_key: str = Field(description="The raw 32-byte public key, base64 (standard alphabet).")
    canonical_version: str = Field(examples=["KW1"])


class ErrorOut(Schema):
    code: str
    message: str


def _company(code: str | None, name_ar: str | None, name_en: str | None) -> CompanyOut | None:
    if code is None:
        return None
    return CompanyOut(code=code, name_ar=name_ar or "", name_en=name_en or "")


def verdict_out(verdict: Verdict) -> VerifyOut:
    with translation.override("ar"):
        message_ar = str(verdict.message)
    with translation.override("en"):
        message_en = str(verdict.message)
    facts = None
    if verdict.found and verdict.amount is not None and verdict.issued_at is not None:
        facts = ReceiptFactsOut(
            number=verdict.number or "",
            amount=verdict.amount,
            currency=currency().code,
            issued_at=verdict.issued_at.astimezone(LOCAL_TZ).replace(microsecond=0),
            account_masked=verdict.account_masked or "",
            collecting_company=_company(
                verdict.collector_code, verdict.collector_name_ar, verdict.collector_name_en
            ),
            owning_company=_company(
                verdict.owner_code, verdict.owner_name_ar, verdict.owner_name_en
            ),
        )
    return VerifyOut(
        status=verdict.status,
        reason=verdict.reason,
        message_ar=message_ar,
        message_en=message_en,
        receipt=facts,
    )


@router.get(
    "/verify",
    response={200: VerifyOut, 400: ErrorOut, 422: ErrorOut, 429: ErrorOut},
    auth=None,
    summary="Check a receipt",
    description=(
        "Either `c` and `s` exactly as in the receipt's QR code (the signed canonical line, "
        "base64url, and its Ed25519 signature), or a typed `number` (CC-CCCC-YYYY-NNNNNN, "
        "Arabic-Indic digits accepted). At most 30 lookups per minute per client address."
    ),
    operation_id="receipt_verify",
)
def receipt_verify(
    request: HttpRequest,
    c: QueryEx[str | None, P(description="Signed canonical line from the QR code")] = None,
    s: QueryEx[str | None, P(description="Signature from the QR code")] = None,
    number: QueryEx[str | None, P(description="Receipt number as printed")] = None,
) -> VerifyOut:
    lookup_throttle(client=client_ip(request))
    verdict = receipt_verify_any(c=c, s=s, number=number)
    if verdict is None:
        raise ValidationFailed(
            _("Give c and s from the receipt's QR code, or a receipt number."), reason="empty"
        )
    return verdict_out(verdict)


@router.get(
    "/public-key",
    response=PublicKeyOut,
    auth=None,
    summary="The key that signs receipts",
    description="To verify receipt QR codes offline (docs/receipts.md).",
    operation_id="receipt_public_key",
)
def receipt_public_key(request: HttpRequest) -> PublicKeyOut:
    return PublicKeyOut(
        algorithm="Ed25519",
        public_key=signing.public_key_b64(),
        canonical_version=CANONICAL_VERSION,
    )
