"""`kuwwa demo-billing`: billed cycles for every company, and the current cycle open."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from kuwwa.billing.demo import demo_billing_load


class Command(BaseCommand):
    help = "Generate synthetic readings and run billing for past cycles (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--billed", nargs="*", default=["2026-06", "2026-08"])
        parser.add_argument("--open", default="2026-10")
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args: Any, **options: Any) -> None:
        bills = demo_billing_load(
            billed_cycles=options["billed"],
            open_cycle_code=options["open"] or None,
            seed=options["seed"],
        )
        self.stdout.write(f"{bills} new bills")
