"""`kuwwa partner-api-cleanup`: drop nonces too old to matter and old idempotency records."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from kuwwa.partners.auth import nonces_purge
from kuwwa.partners.models import IdempotencyRecord


class Command(BaseCommand):
    help = "Purge used nonces older than 10 minutes and idempotency records older than --days."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--days", type=int, default=90, help="keep idempotency records this long"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        nonces = nonces_purge()
        cutoff = timezone.now() - dt.timedelta(days=options["days"])
        records, _detail = IdempotencyRecord.objects.filter(
            state=IdempotencyRecord.State.DONE, created_at__lt=cutoff
        ).delete()
        self.stdout.write(f"nonces purged: {nonces}; idempotency records purged: {records}")
