"""The chart of accounts every company has, as code strings; accounts are created on first use.

Receivables and subscriber credit carry the subscriber on each posting: that is the
sub-ledger that `kuwwa ledger-check` compares with the control accounts.
"""

from __future__ import annotations

RECEIVABLES = "receivables"
SUBSCRIBER_CREDIT = "subscriber_credit"
FEES = "fees"
REVENUE_ADJUSTMENTS = "revenue_adjustments"
BANK = "bank"
OVER_SHORT = "over_short"
CLEARING = "clearing"

# Accounts whose every posting must name the subscriber (the sub-ledger).
SUBSCRIBER_LEDGERS = frozenset({RECEIVABLES, SUBSCRIBER_CREDIT})


def revenue(category: str) -> str:
    return f"revenue:{category}"


def cash_shift(shift_id: int) -> str:
    return f"cash:shift:{shift_id}"


def vault(center_code: str) -> str:
    return f"vault:{center_code}"


def partner_receivable(partner_code: str) -> str:
    return f"partner:{partner_code}"


def due_to(company_code: str) -> str:
    """In the collector's books: what it owes the owning company."""
    return f"due_to:{company_code}"


def due_from(company_code: str) -> str:
    """In the owner's books: what the collecting company owes it."""
    return f"due_from:{company_code}"


_KIND_BY_PREFIX = {
    "revenue": "revenue",
    "cash": "asset",
    "vault": "asset",
    "partner": "asset",
    "due_from": "asset",
    "due_to": "liability",
}
_KIND_BY_CODE = {
    RECEIVABLES: "asset",
    SUBSCRIBER_CREDIT: "liability",
    FEES: "revenue",
    REVENUE_ADJUSTMENTS: "revenue",
    BANK: "asset",
    OVER_SHORT: "expense",
    CLEARING: "asset",
}


def kind_of(code: str) -> str:
    """The account kind a code implies; unknown codes are refused."""
    if code in _KIND_BY_CODE:
        return _KIND_BY_CODE[code]
    prefix = code.split(":", 1)[0]
    if prefix in _KIND_BY_PREFIX and ":" in code:
        return _KIND_BY_PREFIX[prefix]
    raise ValueError(f"unknown ledger account code {code!r}")
