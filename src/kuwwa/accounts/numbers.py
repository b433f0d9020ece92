"""Account-number parsing against the companies that exist."""

from __future__ import annotations

import time

from kuwwa.core.ids import AccountNumber, account_number_parse
from kuwwa.organizations.models import Company

_CACHE_SECONDS = 60.0
_cached: tuple[float, frozenset[str]] = (0.0, frozenset())


def company_codes() -> frozenset[str]:
    """Codes of the distribution companies (the establishment owns no accounts).

    Companies change by migration only, so the set is kept for a minute: parsing a number at
    the counter then costs no query.
    """
    global _cached
    now = time.monotonic()
    if now - _cached[0] > _CACHE_SECONDS or not _cached[1]:
        _cached = (now, frozenset(Company.objects.distribution().values_list("code", flat=True)))
    return _cached[1]


def parse_account_number(text: str) -> AccountNumber:
    """Parse and validate a national account number; InvalidAccountNumber says what is wrong."""
    return account_number_parse(text, company_codes=company_codes())
