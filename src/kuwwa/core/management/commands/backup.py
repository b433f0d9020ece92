"""`kuwwa backup [--output FILE]`: a consistent backup of the database."""

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.db import connection
from django.utils import timezone

from kuwwa.core.backup import database_backup


class Command(BaseCommand):
    help = "Back up the database (pg_dump on PostgreSQL, the online backup API on SQLite)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", help="file to write (default: var/backups/…)")

    def handle(self, *args: Any, **options: Any) -> None:
        suffix = "dump" if connection.vendor == "postgresql" else "sqlite3"
        default = settings.VAR_DIR / "backups" / f"kuwwa-{timezone.now():%Y%m%d-%H%M%S}.{suffix}"
        path = database_backup(Path(options["output"]) if options["output"] else default)
        self.stdout.write(f"backup written to {path} ({path.stat().st_size} bytes)")
