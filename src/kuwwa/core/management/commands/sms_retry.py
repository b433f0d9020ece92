"""`kuwwa sms-retry`: send again the SMS messages whose sending failed."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from kuwwa.core.sms import sms_resend_failed


class Command(BaseCommand):
    help = "Resend the SMS messages whose sending failed (queued ones are `kuwwa sms-send`'s)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--max-attempts", type=int, default=10)

    def handle(self, *args: Any, **options: Any) -> None:
        sent = sms_resend_failed(max_attempts=options["max_attempts"])
        self.stdout.write(f"{sent} messages retried")
