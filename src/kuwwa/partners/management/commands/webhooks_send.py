"""`kuwwa webhooks-send [--loop]`: deliver the partner notifications that are due."""

from __future__ import annotations

from kuwwa.core.outboxcommand import OutboxCommand
from kuwwa.partners.webhooks import webhooks_send_due


class Command(OutboxCommand):
    help = (
        "Send due webhook deliveries once (for cron), or keep sending with --loop. Failures "
        "are retried with exponential backoff."
    )

    def send(self, limit: int) -> tuple[int, str]:
        report = webhooks_send_due(limit=limit)
        return report.delivered + report.failed, (
            f"delivered {report.delivered}, failed {report.failed}"
        )
