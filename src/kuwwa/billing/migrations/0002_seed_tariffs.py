"""Seed the tariffs in force from 1 November 2025 (prices per kWh of a two-month cycle).

Household, exempt-from-load-shedding and industrial prices are those of the reported
decision. The decision as reported did not state commercial, agricultural and public
prices: those tariffs are provisional, marked so in their name and decision reference, and
must be replaced by a new version in the admin once the decision is known (docs/tariffs.md).
"""

import datetime
from decimal import Decimal

from django.db import migrations

EFFECTIVE = datetime.date(2025, 11, 1)
DECISION = (
    "قرار وزارة الطاقة بتعرفة الكهرباء النافذة من 1/11/2025"
    " / Ministry of Energy electricity tariff decision in force from 2025-11-01"
)
PROVISIONAL = "مؤقتة — بانتظار القرار / provisional — awaiting decision"
HOUSEHOLD_BANDS = [(0, 300, "600"), (300, None, "1400")]

# category, name_ar, name_en, decision, method, bands
TARIFFS = [
    ("household", "التعرفة المنزلية", "Household tariff", DECISION, "marginal", HOUSEHOLD_BANDS),
    (
        "exempt",
        "تعرفة المشتركين المعفيين من التقنين",
        "Tariff for subscribers exempt from load-shedding",
        DECISION,
        "marginal",
        [(0, None, "1700")],
    ),
    (
        "industrial",
        "التعرفة الصناعية",
        "Industrial tariff",
        DECISION,
        "marginal",
        [(0, None, "1800")],
    ),
    (
        "commercial",
        "التعرفة التجارية (مؤقتة — بانتظار القرار)",
        "Commercial tariff (provisional — awaiting decision)",
        PROVISIONAL,
        "marginal",
        [(0, None, "1400")],
    ),
    (
        "agricultural",
        "التعرفة الزراعية (مؤقتة — بانتظار القرار)",
        "Agricultural tariff (provisional — awaiting decision)",
        PROVISIONAL,
        "marginal",
        HOUSEHOLD_BANDS,
    ),
    (
        "public",
        "تعرفة القطاع العام (مؤقتة — بانتظار القرار)",
        "Public sector tariff (provisional — awaiting decision)",
        PROVISIONAL,
        "marginal",
        [(0, None, "1400")],
    ),
]


def seed(apps, schema_editor):
    Tariff = apps.get_model("billing", "Tariff")
    TariffBand = apps.get_model("billing", "TariffBand")
    TariffCharge = apps.get_model("billing", "TariffCharge")
    for category, name_ar, name_en, decision, method, bands in TARIFFS:
        tariff, _created = Tariff.objects.get_or_create(
            category=category,
            effective_from=EFFECTIVE,
            defaults={
                "name_ar": name_ar,
                "name_en": name_en,
                "decision_ref": decision,
                "method": method,
                "cycle_months": 2,
            },
        )
        if not TariffBand.objects.filter(tariff=tariff).exists():
            TariffBand.objects.bulk_create(
                TariffBand(tariff=tariff, from_kwh=lo, to_kwh=hi, price=Decimal(price))
                for lo, hi, price in bands
            )
        TariffCharge.objects.get_or_create(
            tariff=tariff,
            code="meter_rent",
            defaults={
                "kind": "charge",
                "label_ar": "أجرة العداد",
                "label_en": "meter rent",
                "amount": 0,
                "position": 0,
            },
        )


def unseed(apps, schema_editor):
    Tariff = apps.get_model("billing", "Tariff")
    Tariff.objects.filter(effective_from=EFFECTIVE, category__in=[t[0] for t in TARIFFS]).delete()


class Migration(migrations.Migration):
    dependencies = [("billing", "0001_tariffs")]
    operations = [migrations.RunPython(seed, unseed)]
