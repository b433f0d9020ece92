"""Seed the establishment (00) and the 14 distribution companies, one per governorate."""

from django.db import migrations

COMPANIES = [
    ("00", "المؤسسة العامة لتوزيع الكهرباء", "Public Establishment for Electricity Distribution", "", "", True),
    ("01", "الشركة العامة لكهرباء دمشق", "Damascus Electricity Company", "دمشق", "Damascus", False),
    ("02", "الشركة العامة لكهرباء ريف دمشق", "Rif Dimashq Electricity Company", "ريف دمشق", "Rif Dimashq", False),
    ("03", "الشركة العامة لكهرباء حلب", "Aleppo Electricity Company", "حلب", "Aleppo", False),
    ("04", "الشركة العامة لكهرباء حمص", "Homs Electricity Company", "حمص", "Homs", False),
    ("05", "الشركة العامة لكهرباء حماة", "Hama Electricity Company", "حماة", "Hama", False),
    ("06", "الشركة العامة لكهرباء اللاذقية", "Latakia Electricity Company", "اللاذقية", "Latakia", False),
    ("07", "الشركة العامة لكهرباء طرطوس", "Tartus Electricity Company", "طرطوس", "Tartus", False),
    ("08", "الشركة العامة لكهرباء إدلب", "Idlib Electricity Company", "إدلب", "Idlib", False),
    ("09", "الشركة العامة لكهرباء درعا", "Daraa Electricity Company", "درعا", "Daraa", False),
    ("10", "الشركة العامة لكهرباء السويداء", "As-Suwayda Electricity Company", "السويداء", "As-Suwayda", False),
    ("11", "الشركة العامة لكهرباء القنيطرة", "Quneitra Electricity Company", "القنيطرة", "Quneitra", False),
    ("12", "الشركة العامة لكهرباء دير الزور", "Deir ez-Zor Electricity Company", "دير الزور", "Deir ez-Zor", False),
    ("13", "الشركة العامة لكهرباء الرقة", "Raqqa Electricity Company", "الرقة", "Raqqa", False),
    ("14", "الشركة العامة لكهرباء الحسكة", "Al-Hasakah Electricity Company", "الحسكة", "Al-Hasakah", False),
]


def seed(apps, schema_editor):
    Company = apps.get_model("organizations", "Company")
    for code, name_ar, name_en, gov_ar, gov_en, is_est in COMPANIES:
        Company.objects.update_or_create(
            code=code,
            defaults={
                "name_ar": name_ar,
                "name_en": name_en,
                "governorate_ar": gov_ar,
                "governorate_en": gov_en,
                "is_establishment": is_est,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("organizations", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
