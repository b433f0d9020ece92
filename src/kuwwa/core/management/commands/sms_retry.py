"""`kuwwa sms-retry`: send again the SMS messages that failed or were never sent."""

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from kuwwa.core.models import SmsMessage
from kuwwa.core.sms import sms_dispatch


class Command(BaseCommand):
    help = "Resend failed SMS messages, and queued ones older than a minute (a crash after commit)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--max-attempts", type=int, default=10)

    def handle(self, *args: Any, **options: Any) -> None:
        stale = timezone.now() - dt.timedelta(minutes=1)
        due = SmsMessage.objects.filter(attempts__lt=options["max_attempts"]).filter(
            status=SmsMessage.Status.FAILED
        ) | SmsMessage.objects.filter(status=SmsMessage.Status.QUEUED, created_at__lt=stale)
        sent = 0
        for message in due.order_by("pk")[:1000]:
            sms_dispatch(message.pk, message)
            sent += 1
        self.stdout.write(f"{sent} messages retried")
