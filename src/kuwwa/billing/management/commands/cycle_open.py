"""`kuwwa cycle-open --company 01 --cycle 2026-06 [--months 2]`."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kuwwa.billing.cycles import cycle_open
from kuwwa.core.errors import ApplicationError
from kuwwa.organizations.models import Company


class Command(BaseCommand):
    help = "Open a billing cycle for a company (or for all companies with --company all)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--company", required=True, help="2-digit code, or 'all'")
        parser.add_argument("--cycle", required=True, help="YYYY-MM of the first month")
        parser.add_argument("--months", type=int, default=2)

    def handle(self, *args: Any, **options: Any) -> None:
        companies = Company.objects.distribution()
        if options["company"] != "all":
            companies = companies.filter(code=options["company"])
            if not companies.exists():
                raise CommandError(f"no distribution company has code {options['company']}")
        for company in companies:
            try:
                cycle = cycle_open(
                    actor=None, company=company, code=options["cycle"], months=options["months"]
                )
            except ApplicationError as exc:
                self.stderr.write(f"{company.code}: {exc}")
                continue
            self.stdout.write(
                f"{company.code} {cycle.code}: {cycle.period_start}..{cycle.period_end}, "
                f"readings {cycle.reading_window_start}..{cycle.reading_window_end}, "
                f"due {cycle.due_date}"
            )
