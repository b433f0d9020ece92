"""`kuwwa webhooks-send [--loop]`: deliver the partner notifications that are due."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from kuwwa.partners.webhooks import webhooks_send_due


class Command(BaseCommand):
    help = (
        "Send due webhook deliveries once (for cron), or keep sending with --loop. Failures "
        "are retried with exponential backoff."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--loop", action="store_true", help="keep running")
        parser.add_argument("--interval", type=float, default=5.0, help="seconds between passes")
        parser.add_argument("--limit", type=int, default=100, help="deliveries per pass")

    def handle(self, *args: Any, **options: Any) -> None:
        while True:
            report = webhooks_send_due(limit=options["limit"])
            if report.delivered or report.failed or not options["loop"]:
                self.stdout.write(f"delivered {report.delivered}, failed {report.failed}")
            if not options["loop"]:
                return
            if report.delivered + report.failed < options["limit"]:
                time.sleep(options["interval"])
