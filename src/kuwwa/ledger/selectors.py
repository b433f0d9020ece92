"""Balances from the journal: per ledger account, per subscriber, and the integrity checks."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q, Sum

from kuwwa.ledger import chart
from kuwwa.ledger.models import LedgerAccount, Posting


def ledger_balance(*, company_id: int, code: str) -> int:
    """Debit-positive balance of one account of a company (0 if never used)."""
    total = Posting.objects.filter(company_id=company_id, ledger_account__code=code).aggregate(
        total=Sum("amount")
    )["total"]
    return int(total or 0)


def subscriber_balance(*, company_id: int, subscriber_id: int) -> int:
    """What the subscriber owes (positive) or has in credit (negative), from the sub-ledger."""
    total = Posting.objects.filter(
        company_id=company_id,
        subscriber_id=subscriber_id,
        ledger_account__code__in=chart.SUBSCRIBER_LEDGERS,
    ).aggregate(total=Sum("amount"))["total"]
    return int(total or 0)


def trial_balance(*, company_id: int) -> dict[str, int]:
    rows = (
        Posting.objects.filter(company_id=company_id)
        .values("ledger_account__code")
        .annotate(total=Sum("amount"))
        .order_by("ledger_account__code")
    )
    return {r["ledger_account__code"]: int(r["total"]) for r in rows}


@dataclass
class LedgerCheck:
    unbalanced_entries: list[tuple[int, int]] = field(default_factory=list)
    grand_total: int = 0
    subledger_mismatches: list[tuple[int, str, int, int]] = field(default_factory=list)
    intercompany_mismatches: list[tuple[str, str, int]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return (
            not self.unbalanced_entries
            and self.grand_total == 0
            and not self.subledger_mismatches
            and not self.intercompany_mismatches
        )


def ledger_check() -> LedgerCheck:
    """Every entry balances; all postings sum to zero; each company's receivables and credit
    control accounts equal the sum of their subscriber sub-ledger; every due-to in one
    company's books mirrors the due-from in the other's."""
    result = LedgerCheck()
    unbalanced = (
        Posting.objects.values("entry_id")
        .annotate(total=Sum("amount"))
        .exclude(total=0)
        .values_list("entry_id", "total")
    )
    result.unbalanced_entries = [(int(e), int(t)) for e, t in unbalanced]
    result.grand_total = int(Posting.objects.aggregate(t=Sum("amount"))["t"] or 0)
    control = (
        Posting.objects.filter(ledger_account__code__in=chart.SUBSCRIBER_LEDGERS)
        .values("company_id", "ledger_account__code")
        .annotate(
            total=Sum("amount"),
            named=Sum("amount", filter=Q(subscriber__isnull=False)),
        )
    )
    for row in control:
        total, named = int(row["total"] or 0), int(row["named"] or 0)
        if total != named:
            result.subledger_mismatches.append(
                (row["company_id"], row["ledger_account__code"], total, named)
            )
    codes = dict(LedgerAccount.objects.values_list("company_id", "company__code").distinct())
    balances: dict[tuple[str, str], int] = {}
    rows = (
        Posting.objects.filter(
            Q(ledger_account__code__startswith="due_to:")
            | Q(ledger_account__code__startswith="due_from:")
        )
        .values("company_id", "ledger_account__code")
        .annotate(total=Sum("amount"))
    )
    for row in rows:
        balances[(codes[row["company_id"]], row["ledger_account__code"])] = int(row["total"])
    for (company_code, code), total in balances.items():
        if code.startswith("due_to:"):
            other = code.split(":", 1)[1]
            mirror = balances.get((other, chart.due_from(company_code)), 0)
            if total + mirror != 0:
                result.intercompany_mismatches.append((company_code, other, total + mirror))
        else:
            other = code.split(":", 1)[1]
            if (other, chart.due_to(company_code)) not in balances and total != 0:
                result.intercompany_mismatches.append((other, company_code, total))
    return result
