"""One-time codes sent by SMS: 6 digits, kept only as a salted HMAC, 5 minutes, 3 attempts.

A new code replaces the previous one; a code is used once. The caller owns the transaction
and the throttles (per address, per account or phone).
"""

from __future__ import annotations

import datetime as dt
import secrets
from enum import Enum

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from kuwwa.accounts.models import Account
from kuwwa.core.audit import audit_record
from kuwwa.core.digits import strip_separators, to_latin_digits
from kuwwa.core.sms import sms_queue
from kuwwa.portal.models import OneTimeCode
from kuwwa.portal.phones import phone_mask

CODE_DIGITS = 6
LIFETIME = dt.timedelta(minutes=5)
MAX_ATTEMPTS = 3


class CodeCheck(Enum):
    OK = "ok"
    WRONG = "wrong"  # a live code exists and this was not it (one attempt used)
    NONE = "none"  # no live code: never sent, expired, used, or out of attempts


def _hash(salt: str, code: str) -> str:
    return salted_hmac(f"kuwwa.portal.otp.{salt}", code, algorithm="sha256").hexdigest()


def code_normalise(text: str) -> str:
    return strip_separators(to_latin_digits(text or "")).strip()


def _live(
    *, company_id: int, purpose: str, account: Account | None, phone: str
) -> QuerySet[OneTimeCode]:
    qs = OneTimeCode.objects.filter(
        company_id=company_id, purpose=purpose, used_at__isnull=True, expires_at__gt=timezone.now()
    )
    return qs.filter(account=account) if account is not None else qs.filter(phone=phone)


def code_issue(
    *, company_id: int, purpose: str, phone: str, account: Account | None = None
) -> OneTimeCode:
    """Make a new code, retire the earlier ones, and queue the SMS (sent after commit)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("code_issue must run inside the caller's transaction")
    now = timezone.now()
    _live(company_id=company_id, purpose=purpose, account=account, phone=phone).update(used_at=now)
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    salt = secrets.token_hex(16)
    otp = OneTimeCode.objects.create(
        company_id=company_id,
        purpose=purpose,
        account=account,
        phone=phone,
        salt=salt,
        code_hash=_hash(salt, code),
        expires_at=now + LIFETIME,
    )
    with translation.override("ar"):  # subscribers get their SMS in Arabic
        text = _("Kuwwa: your code is %(code)s. It is valid for 5 minutes. Never share it.") % {
            "code": code
        }
    sms_queue(company_id=company_id, phone=phone, text=text)
    audit_record(
        company=company_id,
        action="portal.code.send",
        obj=otp,
        data={
            "purpose": purpose,
            "account": account.number if account else "",
            "phone": phone_mask(phone),
        },
    )
    return otp


def code_check(
    *, company_id: int, purpose: str, code: str, phone: str = "", account: Account | None = None
) -> CodeCheck:
    """Compare with the live code; a wrong try uses one attempt, the third one kills it."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("code_check must run inside the caller's transaction")
    live = _live(company_id=company_id, purpose=purpose, account=account, phone=phone)
    otp = live.select_for_update().order_by("-created_at", "-pk").first()
    if otp is None or otp.attempts >= MAX_ATTEMPTS:
        return CodeCheck.NONE
    if constant_time_compare(otp.code_hash, _hash(otp.salt, code_normalise(code))):
        OneTimeCode.objects.filter(pk=otp.pk).update(used_at=timezone.now())
        return CodeCheck.OK
    attempts = otp.attempts + 1
    OneTimeCode.objects.filter(pk=otp.pk).update(
        attempts=attempts, used_at=timezone.now() if attempts >= MAX_ATTEMPTS else None
    )
    return CodeCheck.WRONG
