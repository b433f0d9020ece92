"""One audit chain head per company, so the first event never races to create it."""

from django.db import migrations


def create_heads(apps, schema_editor):
    Company = apps.get_model("organizations", "Company")
    Head = apps.get_model("core", "AuditChainHead")
    for company in Company.objects.all():
        Head.objects.get_or_create(company=company)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial"), ("organizations", "0002_seed_companies")]
    operations = [migrations.RunPython(create_heads, migrations.RunPython.noop)]
