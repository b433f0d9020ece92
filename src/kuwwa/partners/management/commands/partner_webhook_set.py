"""`kuwwa partner-webhook-set --partner sandbox-bank --url https://…`: set the webhook."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.validators import URLValidator

from kuwwa.organizations.models import Partner
from kuwwa.partners.webhooks import webhook_endpoint_set


class Command(BaseCommand):
    help = "Set a partner's webhook URL with a new secret (printed only this once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--partner", required=True)
        parser.add_argument("--url", required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        partner = Partner.objects.filter(code=options["partner"]).first()
        if partner is None:
            raise CommandError(f"no partner with the code {options['partner']!r}")
        try:
            URLValidator(schemes=["http", "https"])(options["url"])
        except ValidationError as exc:
            raise CommandError(f"not a URL: {options['url']!r}") from exc
        created = webhook_endpoint_set(actor=None, partner=partner, url=options["url"])
        self.stdout.write(f"webhook:    {created.endpoint.url}")
        self.stdout.write(f"secret:     {created.secret}")
