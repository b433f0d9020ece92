"""`kuwwa readings-import FILE.csv [--company 01]`: a meter reader's round, row by row."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kuwwa.billing.imports import readings_import_csv
from kuwwa.organizations.models import Company


class Command(BaseCommand):
    help = "Import meter readings from CSV (account_number, reading, read_on[, reader])."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path")
        parser.add_argument("--company", help="refuse rows of other companies")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["path"])
        if not path.is_file():
            raise CommandError(f"no such file: {path}")
        company_id = None
        if options["company"]:
            company = Company.objects.filter(code=options["company"]).first()
            if company is None:
                raise CommandError(f"no company has code {options['company']}")
            company_id = company.pk
        reports = readings_import_csv(actor=None, data=path.read_bytes(), company_id=company_id)
        for r in reports:
            self.stdout.write(f"{r.line}\t{r.account_number}\t{r.status}\t{r.message}")
        ok = sum(1 for r in reports if r.ok)
        self.stdout.write(f"{ok} of {len(reports)} rows accepted or queued for review")
