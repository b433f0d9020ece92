"""Generic master-data writes used by the back office: save and audit in one transaction."""

from __future__ import annotations

from typing import Any

from django.db import models, transaction
from django.forms.models import model_to_dict

from kuwwa.core.audit import audit_record


def _establishment_id() -> int:
    from kuwwa.organizations.models import ESTABLISHMENT_CODE, Company

    return Company.objects.values_list("pk", flat=True).get(code=ESTABLISHMENT_CODE)


def audit_company_of(instance: models.Model) -> int:
    """The chain an object's events go to: its company's, or the establishment's."""
    company_id = getattr(instance, "company_id", None)
    if company_id is not None:
        return int(company_id)
    return _establishment_id()


@transaction.atomic
def master_data_save(
    *, actor: Any, instance: models.Model, changed_fields: list[str] | None = None
) -> models.Model:
    """Save a master-data object (company, center, partner, user) and record what changed."""
    adding = instance._state.adding
    instance.save()
    fields = changed_fields if changed_fields is not None else []
    values = model_to_dict(instance, fields=fields or None, exclude=["password"])
    data = {k: v for k, v in values.items() if not isinstance(v, list | set)}
    audit_record(
        company=audit_company_of(instance),
        actor=actor,
        action=f"{instance._meta.model_name}.{'create' if adding else 'update'}",
        obj=instance,
        data={"fields": sorted(fields), "values": data},
    )
    return instance
