"""Proving a link to an account: the meter's serial, or a code sent to the registered phone.

Every failure counts against the account (KUWWA_PORTAL_FAILED_VERIFICATIONS_PER_HOUR, 10);
once over, even a right answer is refused for the hour, so the 10,000 possible endings of a
serial cannot be tried. Nothing here tells a visitor whether the account has a phone.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext_lazy as _

from kuwwa.accounts.models import Account
from kuwwa.accounts.numbers import parse_account_number
from kuwwa.accounts.selectors import meter_current
from kuwwa.core.digits import strip_separators, to_latin_digits
from kuwwa.core.errors import AccountNotFound
from kuwwa.portal.models import OneTimeCode
from kuwwa.portal.otp import CodeCheck, code_check, code_issue
from kuwwa.portal.phones import phone_normalise
from kuwwa.portal.throttle import (
    HOUR,
    failure_add,
    failures_check,
    limit,
    throttle_hit,
)

SERIAL_SUFFIX = 4


def account_find(number: str) -> Account:
    """The account for a typed number; InvalidAccountNumber or AccountNotFound otherwise."""
    parsed = parse_account_number(number)
    account = (
        Account.objects.select_related("company")
        .filter(company__code=parsed.company_code, number=parsed.compact)
        .first()
    )
    if account is None:
        raise AccountNotFound()
    return account


def _suffix(text: str) -> str:
    return strip_separators(to_latin_digits(text or "")).strip().upper()[-SERIAL_SUFFIX:]


def account_verify_meter(*, account: Account, suffix: str) -> bool:
    """True when `suffix` is the last four characters of the current meter's serial."""
    failures_check(account_number=account.number)
    meter = meter_current(account=account)
    typed = strip_separators(to_latin_digits(suffix or "")).strip().upper()
    expected = _suffix(meter.serial) if meter is not None else ""
    if expected and len(typed) == len(expected) and constant_time_compare(typed, expected):
        return True
    failure_add(account_number=account.number)
    return False


@transaction.atomic
def account_code_send(*, account: Account) -> None:
    """Send a code to the account's registered mobile, if it has one (the visitor is not told)."""
    throttle_hit(
        bucket="portal:code",
        who=account.number,
        allowed=limit("CODES_PER_HOUR", 3),
        window=HOUR,
        message=str(_("Too many codes were requested for this account. Try again in an hour.")),
    )
    phone = phone_normalise(account.phone)
    if phone:
        code_issue(
            company_id=account.company_id,
            purpose=OneTimeCode.Purpose.ACCOUNT,
            phone=phone,
            account=account,
        )


def account_verify_code(*, account: Account, code: str) -> bool:
    failures_check(account_number=account.number)
    with transaction.atomic():
        result = code_check(
            company_id=account.company_id,
            purpose=OneTimeCode.Purpose.ACCOUNT,
            code=code,
            account=account,
        )
    if result is CodeCheck.OK:
        return True
    failure_add(account_number=account.number)
    return False
