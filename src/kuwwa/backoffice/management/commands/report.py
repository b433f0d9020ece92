"""`kuwwa report collections --from D --to D --company 01|all --format csv|xlsx [--output F]`.

Collections by day, collecting company, owning company and channel, with the count and amount
of payments (reversed payments excluded). `--company 01` keeps the rows where 01 collected or
owns the account. Writes to standard output (CSV) or to --output; XLSX needs --output.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

from kuwwa.backoffice.exports import table_csv, table_xlsx
from kuwwa.backoffice.refresh import stats_refresh
from kuwwa.backoffice.reports import collections_report
from kuwwa.organizations.models import Company


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"not a date (YYYY-MM-DD): {value!r}") from exc


class Command(BaseCommand):
    help = "Reports from the statistics summaries."

    def add_arguments(self, parser: CommandParser) -> None:
        reports = parser.add_subparsers(dest="report", required=True, metavar="REPORT")
        collections = reports.add_parser(
            "collections", help="collections by day, collecting and owning company, channel"
        )
        collections.add_argument("--from", dest="start", required=True, help="YYYY-MM-DD")
        collections.add_argument("--to", dest="end", required=True, help="YYYY-MM-DD")
        collections.add_argument("--company", default="all", help="a company code, or all")
        collections.add_argument("--format", choices=("csv", "xlsx"), default="csv")
        collections.add_argument("--output", help="file to write (default: standard output)")
        collections.add_argument(
            "--language", choices=("ar", "en"), default="en", help="of the column headers"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        start, end = _date(options["start"]), _date(options["end"])
        if end < start:
            raise CommandError("--to is before --from")
        code = options["company"]
        company = None
        if code != "all":
            company = Company.objects.filter(code=code).first()
            if company is None:
                raise CommandError(f"unknown company {code!r}")
        if options["format"] == "xlsx" and not options["output"]:
            raise CommandError("--format xlsx needs --output FILE")
        stats_refresh()
        with translation.override(options["language"]):
            table = collections_report(start=start, end=end, company=company)
            content = table_csv(table) if options["format"] == "csv" else table_xlsx(table)
        if options["output"]:
            Path(options["output"]).write_bytes(content)
            self.stderr.write(f"{len(table.rows)} rows written to {options['output']}")
        else:
            self.stdout.write(content.decode("utf-8-sig"), ending="")
