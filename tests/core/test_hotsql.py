"""Hot statements (kuwwa.core.hotsql): in autocommit PostgreSQL runs them prepared through
libpq directly; the values, errors and transactions must be what a Django cursor gives."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction

from kuwwa.core.hotsql import hot_execute
from kuwwa.organizations.models import Company

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the libpq path exists only on PostgreSQL"
)
TABLE = Company._meta.db_table
ONE_COMPANY = (
    f"SELECT id, code, name_ar, is_establishment, payment_minimum, now() FROM {TABLE} "
    "WHERE code = %s"
)


def _company(code: str) -> Company:
    return Company.objects.create(code=code, name_ar="شركة", name_en="Company")


def _cursor_rows(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [tuple(row) for row in cursor.fetchall()]


@postgres_only
def test_rows_are_what_a_django_cursor_reads() -> None:
    _company("71")
    assert connection.get_autocommit()
    rows = hot_execute(ONE_COMPANY, ["71"])
    assert [row[:5] for row in rows] == [row[:5] for row in _cursor_rows(ONE_COMPANY, ["71"])]
    (row,) = rows
    assert row[1:5] == ("71", "شركة", False, 0)
    assert isinstance(row[5], dt.datetime) and row[5].tzinfo is not None
    assert hot_execute(ONE_COMPANY, ["99"]) == []


@postgres_only
def test_a_parameter_that_is_sometimes_null_is_bound_both_ways() -> None:
    sql = "SELECT %s::bigint IS NULL, coalesce(%s::text, 'none')"
    assert hot_execute(sql, [None, None]) == [(True, "none")]
    assert hot_execute(sql, [7, "x"]) == [(False, "x")]
    assert hot_execute(sql, [None, "y"]) == [(True, "y")]


def test_a_statement_that_returns_no_rows_returns_an_empty_list() -> None:
    _company("72")
    assert hot_execute(f"UPDATE {TABLE} SET name_en = %s WHERE code = %s", ["Co", "72"]) == []
    assert Company.objects.get(code="72").name_en == "Co"


def test_a_broken_rule_is_djangos_integrity_error_and_the_connection_goes_on() -> None:
    company = _company("73")
    insert = (
        f"INSERT INTO {TABLE} (code, name_ar, name_en, governorate_ar, governorate_en, "
        "is_establishment, payment_policy, payment_minimum) SELECT code, name_ar, name_en, "
        "governorate_ar, governorate_en, is_establishment, payment_policy, payment_minimum "
        f"FROM {TABLE} WHERE id = %s"
    )
    with pytest.raises(IntegrityError):
        hot_execute(insert, [company.pk])
    assert Company.objects.get(code="73").pk == company.pk


def test_inside_a_transaction_the_statement_is_part_of_it() -> None:
    """A write in an atomic block is undone with it: the statement was not committed on its
    own (the libpq path, which sends no BEGIN, is for autocommit only)."""
    _company("74")

    def change_then_fail() -> None:
        with transaction.atomic():
            hot_execute(f"UPDATE {TABLE} SET name_en = %s WHERE code = %s", ["Changed", "74"])
            raise RuntimeError("roll back")

    with pytest.raises(RuntimeError):
        change_then_fail()
    assert Company.objects.get(code="74").name_en == "Company"


@postgres_only
def test_a_new_connection_prepares_the_statement_again() -> None:
    _company("75")
    assert hot_execute(ONE_COMPANY, ["75"])
    connection.close()
    assert hot_execute(ONE_COMPANY, ["75"])
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE name LIKE 'kuwwa_hot_%%'")
        assert cursor.fetchone()[0] == 1


@postgres_only
def test_only_placeholders_may_carry_a_percent_sign() -> None:
    with pytest.raises(ValueError):
        hot_execute("SELECT 'a%%b' || %s", ["c"])
