"""Outbox workers: the rows one worker takes, and the command that empties an outbox once
(for cron) or keeps at it (`--loop`)."""

from __future__ import annotations

import time
from typing import Any, TypeVar

from django.core.management.base import BaseCommand, CommandParser
from django.db import connection
from django.db.models import Model, QuerySet

M = TypeVar("M", bound=Model)


def worker_rows(rows: QuerySet[M]) -> QuerySet[M]:
    """The rows locked for this worker until its transaction ends; rows another worker holds
    are skipped, so several workers share an outbox and none takes a row twice. (SQLite has
    one writer at a time: there the query is unchanged.)"""
    if connection.features.has_select_for_update_skip_locked:
        return rows.select_for_update(skip_locked=True, of=("self",))
    return rows


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
