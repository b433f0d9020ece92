"""Account-number parsing against the companies that exist."""

from __future__ import annotations

import time

from kuwwa.core.ids import AccountNumber, account_number_parse
from kuwwa.organizations.models import Company

_CACHE_SECONDS = 60.0
_cached: tuple[float, dict[str, int]] = (0.0, {})


def company_ids_by_code() -> dict[str, int]:
    """{code: id} of the distribution companies (the establishment owns no accounts).

    Companies change by migration only, so the map is kept for a minute: parsing a number at
    the counter, or finding the company that owns it, then costs no query.
    """
    global _cached
    now = time.monotonic()
    if now - _cached[0] > _CACHE_SECONDS or not _cached[1]:
        rows = Company.objects.distribution().values_list("code", "pk")
        _cached = (now, {code: pk for code, pk in rows})
    return _cached[1]


def company_codes() -> frozenset[str]:
    return frozenset(company_ids_by_code())


def parse_account_number(text: str) -> AccountNumber:
    """Parse and validate a national account number; InvalidAccountNumber says what is wrong."""
    return account_number_parse(text, company_codes=company_codes())
