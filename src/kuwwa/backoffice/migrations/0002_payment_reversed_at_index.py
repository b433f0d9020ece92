"""A small partial index on collection_payment.reversed_at for the statistics refresh.

The refresh looks for reversals newer than its watermark (ADR 0005); without an index that is a
scan of every payment each minute. The index holds only reversed payments, so it is tiny and
costs nothing on the payment path. It belongs in collection.Payment.Meta; it lives here until
the collection app adopts it (then this migration becomes a no-op through IF NOT EXISTS).
"""

from django.db import migrations

CREATE = (
    "CREATE INDEX IF NOT EXISTS stats_payment_reversed_at "
    "ON collection_payment (reversed_at) WHERE reversed_at IS NOT NULL"
)
DROP = "DROP INDEX IF EXISTS stats_payment_reversed_at"


class Migration(migrations.Migration):
    dependencies = [
        ("backoffice", "0001_initial"),
        ("collection", "0001_initial"),
    ]

    operations = [migrations.RunSQL(CREATE, DROP)]
