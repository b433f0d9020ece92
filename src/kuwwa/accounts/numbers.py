"""Account-number parsing against the companies that exist."""

from __future__ import annotations

from kuwwa.core.ids import AccountNumber, account_number_parse
from kuwwa.organizations.models import Company


def company_codes() -> frozenset[str]:
    """Codes of the distribution companies (the establishment owns no accounts)."""
    return frozenset(Company.objects.distribution().values_list("code", flat=True))


def parse_account_number(text: str) -> AccountNumber:
    """Parse and validate a national account number; InvalidAccountNumber says what is wrong."""
    return account_number_parse(text, company_codes=company_codes())
