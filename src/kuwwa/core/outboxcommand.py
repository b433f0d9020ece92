"""A management command that empties an outbox once (for cron) or keeps at it (`--loop`)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser


class OutboxCommand(BaseCommand):
    """Subclasses say how one pass goes: `send(limit)` returns how many items it handled
    and the line to print."""

    default_interval = 5.0

    def send(self, limit: int) -> tuple[int, str]:
        raise NotImplementedError

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--loop", action="store_true", help="keep running")
        parser.add_argument(
            "--interval",
            type=float,
            default=self.default_interval,
            help="seconds between passes when idle",
        )
        parser.add_argument("--limit", type=int, default=100, help="items per pass")

    def handle(self, *args: Any, **options: Any) -> None:
        while True:
            handled, line = self.send(options["limit"])
            if handled or not options["loop"]:
                self.stdout.write(line)
            if not options["loop"]:
                return
            if handled < options["limit"]:
                time.sleep(options["interval"])
