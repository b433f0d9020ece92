"""Install sql/payment_post.sql again: the function also returns the payment's allocations,
so the partner API answers a payment without reading them back (ADR 0011)."""

from django.db import migrations

from kuwwa.collection.migrations._payment_post import install


class Migration(migrations.Migration):
    dependencies = [("collection", "0006_payment_post_audit_streams")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
