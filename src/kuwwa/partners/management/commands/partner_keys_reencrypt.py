"""`kuwwa partner-keys-reencrypt`: re-encrypt stored secrets under the first configured key."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from kuwwa.partners.keys import secrets_reencrypt


class Command(BaseCommand):
    help = (
        "After putting a new key first in KUWWA_API_KEY_ENCRYPTION_KEY, re-encrypt every "
        "partner and webhook secret under it; then the old key can be removed."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"re-encrypted: {secrets_reencrypt()}")
