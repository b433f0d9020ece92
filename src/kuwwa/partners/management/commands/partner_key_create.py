"""`kuwwa partner-key-create --partner sandbox-bank`: a new API key; the secret is printed once."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kuwwa.organizations.models import Partner
from kuwwa.partners.keys import partner_key_create


class Command(BaseCommand):
    help = "Create an API key for a partner and print its secret (shown only this once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--partner", required=True, help="partner code, e.g. sandbox-bank")
        parser.add_argument("--label", default="", help="a note, e.g. 'production 2026'")

    def handle(self, *args: Any, **options: Any) -> None:
        partner = Partner.objects.filter(code=options["partner"]).first()
        if partner is None:
            raise CommandError(f"no partner with the code {options['partner']!r}")
        created = partner_key_create(actor=None, partner=partner, label=options["label"])
        self.stdout.write(f"partner:    {partner.code}")
        self.stdout.write(f"key id:     {created.key.key_id}")
        self.stdout.write(f"secret:     {created.secret}")
        self.stdout.write(
            "The secret is shown only now: give it to the partner over a safe channel."
        )
