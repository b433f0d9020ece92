"""Install the PostgreSQL payment write path (ADR 0008). Nothing to do on SQLite.

The function's text lives in kuwwa/collection/sql/payment_post.sql; a later change to that file
needs a new migration that calls `install` again (see _payment_post).
"""

from django.db import migrations

from kuwwa.collection.migrations._payment_post import install, uninstall


class Migration(migrations.Migration):
    dependencies = [
        ("collection", "0002_payment_shift_index"),
        ("ledger", "0001_initial"),
        ("core", "0004_loginthrottle"),
        ("billing", "0004_bill_credit_applied"),
        ("cashiering", "0001_initial"),
        ("accounts", "0002_initial"),
    ]

    operations = [migrations.RunPython(install, uninstall)]
