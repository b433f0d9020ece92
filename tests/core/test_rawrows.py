"""Whole rows by hand (kuwwa.core.rawrows) give the instances the ORM would give."""

from __future__ import annotations

import pytest
from django.db import connection

from kuwwa.core.rawrows import from_columns, from_row, select_columns, split_row
from kuwwa.organizations.models import CollectionCenter, Company, Partner
from kuwwa.partners.keys import partner_key_create
from kuwwa.partners.models import PartnerKey

pytestmark = pytest.mark.django_db


def fields(instance) -> list:
    return [getattr(instance, f.attname) for f in instance._meta.concrete_fields]


def test_a_joined_row_becomes_the_instances_the_orm_reads() -> None:
    partner = Partner.objects.create(code="raw-bank", name_ar="بنك", name_en="Bank", kind="bank")
    key = partner_key_create(actor=None, partner=partner, label="raw").key
    models = (PartnerKey, Partner, Company)
    sql = (
        f"SELECT {select_columns(PartnerKey, 'k')}, {select_columns(Partner, 'p')}, "
        f"{select_columns(Company, 'c')} FROM {PartnerKey._meta.db_table} k "
        f"JOIN {Partner._meta.db_table} p ON p.id = k.partner_id "
        f"JOIN {Company._meta.db_table} c ON c.id = k.company_id WHERE k.id = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [key.pk])
        row = cursor.fetchone()
    parts = split_row(row, models)
    built = [from_row(model, part) for model, part in zip(models, parts, strict=True)]
    read = [PartnerKey.objects.get(pk=key.pk), partner, Company.objects.get(pk=key.company_id)]
    for mine, orm in zip(built, read, strict=True):
        assert fields(mine) == fields(orm)  # datetimes aware, booleans booleans, on both
        assert mine._state.adding is False
    assert built[0].created_at.tzinfo is not None
    assert built[1].is_active is True


def test_a_row_of_the_wrong_width_is_refused() -> None:
    with pytest.raises(ValueError, match="columns"):
        from_row(CollectionCenter, [1, 2, 3])


def test_a_json_row_becomes_an_instance() -> None:
    company = Company.objects.get(code="03")
    row = {f.column: getattr(company, f.attname) for f in Company._meta.concrete_fields}
    assert fields(from_columns(Company, row)) == fields(company)
