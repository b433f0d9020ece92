"""`kuwwa demo-data --accounts N --seed S`: synthetic subscribers with meters."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from tqdm import tqdm

from kuwwa.accounts.demo import demo_accounts_load


class Command(BaseCommand):
    help = "Generate realistic synthetic subscriber accounts (deterministic for a seed)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--accounts", type=int, default=2800)
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        count = options["accounts"]
        if count < 0:
            self.stderr.write("--accounts must be 0 or more")
            return
        with tqdm(total=count, unit="acct", disable=options["no_progress"], desc="accounts") as bar:
            created = demo_accounts_load(
                count=count, seed=options["seed"], progress=lambda n: bar.update(n) and None
            )
        self.stdout.write(f"{created} new accounts ({count - created} already there)")
