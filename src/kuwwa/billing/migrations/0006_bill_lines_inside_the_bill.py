"""A bill's lines move from the billline table into the bill row, as JSON (ADR 0010)."""

from itertools import groupby

import django.db.models.deletion
from django.db import migrations, models

_BATCH = 2000
_LINE = ("kind", "code", "label_ar", "label_en", "kwh", "unit_price", "amount")


def lines_into_bills(apps, schema_editor):
    """Bill by bill in pages of ids (no open cursor while the page is written back)."""
    alias = schema_editor.connection.alias
    Bill = apps.get_model("billing", "Bill")
    BillLine = apps.get_model("billing", "BillLine")
    ids = list(Bill.objects.using(alias).order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), _BATCH):
        page = ids[start : start + _BATCH]
        rows = (
            BillLine.objects.using(alias)
            .filter(bill_id__gte=page[0], bill_id__lte=page[-1])
            .order_by("bill_id", "position")
            .values_list("bill_id", *_LINE)
        )
        bills = []
        for bill_id, lines in groupby(rows, key=lambda row: row[0]):
            found = [
                {
                    "kind": kind,
                    "code": code,
                    "label_ar": label_ar,
                    "label_en": label_en,
                    "kwh": kwh,
                    "unit_price": None if price is None else str(price),
                    "amount": amount,
                }
                for _bill, kind, code, label_ar, label_en, kwh, price, amount in lines
            ]
            bills.append(Bill(pk=bill_id, lines=found))
        Bill.objects.using(alias).bulk_update(bills, ["lines"])


def lines_out_of_bills(apps, schema_editor):
    Bill = apps.get_model("billing", "Bill")
    BillLine = apps.get_model("billing", "BillLine")
    batch = []
    for bill_id, company_id, lines in Bill.objects.values_list("pk", "company_id", "lines"):
        for position, line in enumerate(lines, start=1):
            batch.append(
                BillLine(bill_id=bill_id, company_id=company_id, position=position, **line)
            )
        if len(batch) >= _BATCH:
            BillLine.objects.bulk_create(batch)
            batch = []
    BillLine.objects.bulk_create(batch)


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0005_drop_redundant_indexes"),
    ]

    operations = [
        # Free the name `lines` on Bill (it was the reverse accessor of BillLine.bill).
        migrations.AlterField(
            model_name="billline",
            name="bill",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="billing.bill",
            ),
        ),
        migrations.AddField(
            model_name="bill",
            name="lines",
            field=models.JSONField(
                default=list,
                help_text="BillLine.as_json() of each line, in order",
                verbose_name="lines",
            ),
        ),
        migrations.RunPython(lines_into_bills, lines_out_of_bills),
        migrations.DeleteModel(
            name="BillLine",
        ),
    ]
