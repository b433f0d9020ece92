"""`kuwwa stats-refresh [--rebuild]`: bring the dashboard summaries up to date.

Idempotent and safe to run every minute (cron / systemd timer); two runs never interleave.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from kuwwa.backoffice.refresh import stats_refresh


class Command(BaseCommand):
    help = "Summarise new payments, bills, readings, reversals and adjustments for the dashboards."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--rebuild",
            action="store_true",
            help="empty the summaries and recompute them from every row",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        result = stats_refresh(rebuild=options["rebuild"])
        if not result.changed and not result.adjustments:
            self.stdout.write(f"nothing new ({result.gaps_open} gaps watched)")
            return
        added = ", ".join(f"{name} +{count}" for name, count in result.added.items())
        self.stdout.write(
            f"{added}; reversals +{result.reversals}, adjustments +{result.adjustments}; "
            f"gaps filled {result.gaps_filled}, watched {result.gaps_open}"
        )
