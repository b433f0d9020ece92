"""The Citus distribution rules of DESIGN.md §4, checked on every model so the schema cannot
drift from them: a later model must be classified here or carry company_id correctly."""

from __future__ import annotations

from django.apps import apps
from django.db import models

# Replicated to every node (small, read everywhere). Each entry says why.
REFERENCE_MODELS = {
    "organizations.company": "the tenants themselves",
    "organizations.partner": "national: a bank collects for every company",
    "organizations.collectioncenter": "a payment of company B may name a center of company A",
    "organizations.user": "staff directory, read at every request",
    "core.loginthrottle": "security counters keyed by username, checked at every login",
    "billing.tariff": "national decision: one price list for every company",
    "billing.tariffband": "part of a national tariff",
    "billing.tariffcharge": "part of a national tariff",
    "portal.citizenprofile": "national: one citizen (a phone) holds accounts of several companies",
}


def _kuwwa_models() -> list[type[models.Model]]:
    return [m for m in apps.get_models() if m.__module__.startswith("kuwwa.")]


def _is_tenant(model: type[models.Model]) -> bool:
    return model._meta.label_lower not in REFERENCE_MODELS


def test_every_tenant_model_has_a_required_company_id() -> None:
    missing = []
    for model in filter(_is_tenant, _kuwwa_models()):
        try:
            field = model._meta.get_field("company")
        except Exception:
            missing.append(model._meta.label)
            continue
        if (
            field.remote_field is None
            or field.related_model._meta.label_lower != "organizations.company"
        ):
            missing.append(model._meta.label)
        elif field.null:
            missing.append(f"{model._meta.label} (company_id may be null)")
    assert missing == [], f"tenant models without a required company_id: {missing}"


def test_every_unique_rule_of_a_tenant_table_includes_company_id() -> None:
    bad = []
    for model in filter(_is_tenant, _kuwwa_models()):
        pk = model._meta.pk
        assert pk is not None
        if not (isinstance(pk, models.AutoField | models.BigAutoField) or pk.name == "company"):
            bad.append(
                f"{model._meta.label}: primary key {pk.name} cannot widen to (company_id, id)"
            )
        for field in model._meta.local_fields:
            if field.unique and not field.primary_key:
                bad.append(f"{model._meta.label}.{field.name} is unique without company_id")
        for constraint in model._meta.constraints:
            if (
                isinstance(constraint, models.UniqueConstraint)
                and "company" not in constraint.fields
            ):
                bad.append(f"{model._meta.label}: {constraint.name} lacks company")
        for together in model._meta.unique_together:
            if "company" not in together:
                bad.append(f"{model._meta.label}: unique_together {together} lacks company")
    assert bad == [], bad


def test_no_foreign_key_from_a_reference_table_to_a_tenant_table() -> None:
    bad = []
    for model in _kuwwa_models():
        if _is_tenant(model):
            continue
        for field in model._meta.local_fields:
            target = field.related_model
            if target is not None and target.__module__.startswith("kuwwa.") and _is_tenant(target):
                bad.append(f"{model._meta.label}.{field.name} -> {target._meta.label}")
    assert bad == [], bad


def test_the_rules_can_fail() -> None:
    """The checks above would catch a tenant model without company_id."""

    class Stray(models.Model):
        name = models.CharField(max_length=10, unique=True)

        class Meta:
            app_label = "core"

    try:
        assert _is_tenant(Stray)
        assert not any(f.name == "company" for f in Stray._meta.local_fields)
        assert any(f.unique and not f.primary_key for f in Stray._meta.local_fields)
    finally:
        apps.all_models["core"].pop("stray", None)
        apps.clear_cache()
