"""Install the PostgreSQL payment write path (ADR 0008). Nothing to do on SQLite.

The function's text lives in kuwwa/collection/sql/payment_post.sql; a later change to that file
needs a new migration that calls `install` again (tests compare the installed body with the file).
"""

from django.db import migrations

from kuwwa.collection.sqlpath import DROP_SQL, install_sql


def install(apps, schema_editor):  # noqa: ARG001 - migration signature
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(install_sql(), params=None)


def uninstall(apps, schema_editor):  # noqa: ARG001 - migration signature
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_SQL, params=None)


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
