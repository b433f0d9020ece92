"""`kuwwa partner-key-revoke --key pk_…`: revoke a key at once."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kuwwa.partners.keys import partner_key_revoke
from kuwwa.partners.models import PartnerKey


class Command(BaseCommand):
    help = "Revoke a partner API key; requests signed with it are refused from now on."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--key", required=True, help="the key id (pk_…)")

    def handle(self, *args: Any, **options: Any) -> None:
        key = PartnerKey.objects.filter(key_id=options["key"]).first()
        if key is None:
            raise CommandError(f"no key {options['key']!r}")
        key = partner_key_revoke(actor=None, key=key)
        self.stdout.write(f"{key.key_id} revoked at {key.revoked_at:%Y-%m-%d %H:%M:%S}")
