"""Install sql/payment_post.sql again: the payment's audit event goes to the chain of the
collecting center's payments (ADR 0009)."""

from django.db import migrations

from kuwwa.collection.migrations._payment_post import install


class Migration(migrations.Migration):
    dependencies = [("collection", "0005_payment_post_prepared"), ("core", "0006_audit_streams")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
