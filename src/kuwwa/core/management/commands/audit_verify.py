"""`kuwwa audit-verify`: walk every audit chain and report the first broken link."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from kuwwa.core.audit import audit_verify_all
from kuwwa.core.models import AuditEvent


class Command(BaseCommand):
    help = "Verify the hash chains of the audit log; exits 1 at the first broken link."

    def handle(self, *args: Any, **options: Any) -> None:
        breaks = audit_verify_all()
        if breaks:
            for found in breaks:
                self.stderr.write(f"BROKEN {found}")
            raise CommandError(f"audit log broken in {len(breaks)} chain(s)")
        total = AuditEvent.objects.count()
        self.stdout.write(self.style.SUCCESS(f"audit log intact: {total} events verified"))
