"""Two small partial indexes on other apps' tables, for the statistics (ADR 0005).

- collection_payment(reversed_at) WHERE reversed_at IS NOT NULL: the refresh looks for
  reversals newer than its watermark every minute; without it that is a scan of every payment.
  It holds only reversed payments, so it is tiny and costs the payment path nothing.
- cashiering_shift(closed_at) WHERE closed_at IS NOT NULL: over/short by cashier reads the
  shifts closed in a period.

They belong in collection.Payment.Meta and cashiering.Shift.Meta; they live here until those
apps adopt them (IF NOT EXISTS then makes this migration a no-op).
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("backoffice", "0001_initial"),
        ("collection", "0001_initial"),
        ("cashiering", "0001_initial"),
    ]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS stats_payment_reversed_at "
            "ON collection_payment (reversed_at) WHERE reversed_at IS NOT NULL",
            "DROP INDEX IF EXISTS stats_payment_reversed_at",
        ),
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS stats_shift_closed_at "
            "ON cashiering_shift (closed_at) WHERE closed_at IS NOT NULL",
            "DROP INDEX IF EXISTS stats_shift_closed_at",
        ),
    ]
