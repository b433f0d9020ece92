"""`kuwwa ledger-check`: the journal's integrity, for operators and after restores."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from kuwwa.billing.selectors import receivables_mismatches
from kuwwa.ledger.selectors import ledger_check


class Command(BaseCommand):
    help = (
        "Verify that every journal entry balances, all postings sum to zero, each company's "
        "sub-ledger equals its control accounts, bills' outstanding equals receivables, and "
        "inter-company balances mirror each other."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        result = ledger_check()
        for entry_id, total in result.unbalanced_entries[:20]:
            self.stderr.write(f"UNBALANCED entry {entry_id}: off by {total}")
        if result.grand_total:
            self.stderr.write(f"GRAND TOTAL is {result.grand_total}, not 0")
        for company_id, code, total, named in result.subledger_mismatches:
            self.stderr.write(
                f"SUB-LEDGER company {company_id} {code}: control {total} != subscribers {named}"
            )
        for owner, other, diff in result.intercompany_mismatches:
            self.stderr.write(
                f"INTER-COMPANY {owner}/{other}: due-to and due-from differ by {diff}"
            )
        bills = receivables_mismatches()
        for company_id, outstanding, receivables in bills:
            self.stderr.write(
                f"BILLS company {company_id}: bills outstanding {outstanding} "
                f"!= receivables {receivables}"
            )
        if not result.ok or bills:
            raise CommandError("ledger check failed")
        self.stdout.write(self.style.SUCCESS("ledger check passed"))
