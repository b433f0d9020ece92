"""Install sql/payment_post.sql again: kuwwa_json is STABLE (so PostgreSQL inlines it) and
kuwwa_payment_post plans its statements once per connection (plan_cache_mode)."""

from django.db import migrations

from kuwwa.collection.migrations._payment_post import install


class Migration(migrations.Migration):
    dependencies = [("collection", "0004_drop_redundant_indexes")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
