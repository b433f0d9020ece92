"""Audit chains per (company, stream) instead of one per company (ADR 0009): the heads move
to AuditChain with stream "" and events get a stream; existing hashes stay valid."""

import django.db.models.deletion
from django.db import migrations, models


def copy_heads(apps, schema_editor):  # noqa: ARG001 - migration signature
    Old = apps.get_model("core", "AuditChainHead")
    New = apps.get_model("core", "AuditChain")
    New.objects.bulk_create(
        New(company_id=head.company_id, stream="", seq=head.seq, hash=head.hash)
        for head in Old.objects.all()
    )


def copy_heads_back(apps, schema_editor):  # noqa: ARG001 - migration signature
    Old = apps.get_model("core", "AuditChainHead")
    New = apps.get_model("core", "AuditChain")
    Old.objects.bulk_create(
        Old(company_id=head.company_id, seq=head.seq, hash=head.hash)
        for head in New.objects.filter(stream="")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0005_drop_redundant_indexes"),
        ("organizations", "0003_company_payment_minimum_company_payment_policy"),
    ]

    operations = [
        migrations.CreateModel(
            name="AuditChain",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "company",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        to="organizations.company",
                    ),
                ),
                ("stream", models.CharField(blank=True, default="", max_length=40)),
                ("seq", models.BigIntegerField(default=0)),
                ("hash", models.CharField(default="0" * 64, max_length=64)),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(fields=("company", "stream"), name="audit_chain_uniq")
                ]
            },
        ),
        migrations.RunPython(copy_heads, copy_heads_back),
        migrations.DeleteModel(name="AuditChainHead"),
        migrations.AddField(
            model_name="auditevent",
            name="stream",
            field=models.CharField(blank=True, default="", max_length=40),
        ),
        migrations.RemoveConstraint(model_name="auditevent", name="audit_company_seq_uniq"),
        migrations.AddConstraint(
            model_name="auditevent",
            constraint=models.UniqueConstraint(
                fields=("company", "stream", "seq"), name="audit_chain_seq_uniq"
            ),
        ),
    ]
