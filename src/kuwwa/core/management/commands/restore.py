"""`kuwwa restore FILE --yes`: replace the database with a backup (stop the site first)."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kuwwa.core.backup import database_restore


class Command(BaseCommand):
    help = "Restore a backup made by `kuwwa backup`; then run ledger-check and audit-verify."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path")
        parser.add_argument("--yes", action="store_true", help="confirm replacing the database")

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["yes"]:
            raise CommandError("restore replaces the whole database: add --yes to confirm")
        try:
            database_restore(Path(options["path"]))
        except FileNotFoundError as exc:
            raise CommandError(f"no such backup: {exc}") from exc
        self.stdout.write("restored; now run `kuwwa ledger-check` and `kuwwa audit-verify`")
