"""`kuwwa settle --date D`: settle a business day between companies (idempotent)."""

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kuwwa.core.errors import ApplicationError
from kuwwa.core.money import format_amount
from kuwwa.settlement.services import settlement_run


class Command(BaseCommand):
    help = "Settle a business day: gross matrix, net positions, ledger netting."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", required=True, help="YYYY-MM-DD")
        parser.add_argument("--force", action="store_true", help="close a day that is not over")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            day = dt.date.fromisoformat(options["date"])
        except ValueError as exc:
            raise CommandError("--date must be YYYY-MM-DD") from exc
        try:
            run = settlement_run(actor=None, day=day, force=options["force"])
        except ApplicationError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"{day}: {run.payments} payments, {format_amount(run.amount, language='en')}, "
            f"{format_amount(run.cross_amount, language='en')} collected across companies"
        )
        for p in run.positions.select_related("party").order_by("party__code"):
            way = "receives" if p.net > 0 else "pays" if p.net < 0 else "even"
            self.stdout.write(
                f"  {p.party.code} {way:8} {format_amount(abs(p.net), language='en')}"
            )
