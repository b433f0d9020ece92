"""`kuwwa sms-send [--loop]`: deliver queued SMS through the gateway (KUWWA_SMS_BACKEND=http)."""

from __future__ import annotations

from kuwwa.core.outboxcommand import OutboxCommand
from kuwwa.core.sms import sms_send_queued


class Command(OutboxCommand):
    help = (
        "Send the queued SMS messages once (for cron), or keep sending with --loop (a service "
        "beside the web server). Needed with KUWWA_SMS_BACKEND=http: requests only queue them."
    )
    default_interval = 1.0  # portal sign-in codes are waited for

    def send(self, limit: int) -> tuple[int, str]:
        sent = sms_send_queued(limit=limit)
        return sent, f"{sent} messages taken"
