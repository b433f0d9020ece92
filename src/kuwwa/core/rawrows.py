"""Whole model instances read by hand-written SQL, for the few reads on every API request.

Composing a query through the ORM costs more CPU than the database spends answering a lookup
by key (ADR 0011). A hot read can instead select `select_columns(Model, "t")` in its own SQL
and turn each slice of the row into an instance with `from_row`: every concrete column is
selected, so the instance is as complete as one the ORM reads, and the database's values go
through the same converters the ORM applies (SQLite's integers become booleans, JSON text
becomes Python values).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cache
from typing import Any, TypeVar

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model

M = TypeVar("M", bound=Model)
Converter = Callable[[Any, Any, Any], Any]


def select_columns(model: type[Model], alias: str) -> str:
    """`alias.col, alias.col, …` for every concrete column of the model, in field order."""
    quote = connections[DEFAULT_DB_ALIAS].ops.quote_name
    return ", ".join(f"{alias}.{quote(f.column)}" for f in model._meta.concrete_fields)


def column_count(model: type[Model]) -> int:
    return len(model._meta.concrete_fields)


def split_row(row: Sequence[Any], models: Sequence[type[Model]]) -> list[Sequence[Any]]:
    """A row of several models' `select_columns`, one after the other, cut per model."""
    parts = []
    start = 0
    for model in models:
        end = start + column_count(model)
        parts.append(row[start:end])
        start = end
    return parts


@cache
def _plan(model: type[Model], using: str) -> tuple[list[str], list[tuple[int, list[Any], Any]]]:
    """The attribute names, and the converters of each column that needs any."""
    connection = connections[using]
    names = []
    converting = []
    for index, field in enumerate(model._meta.concrete_fields):
        names.append(field.attname)
        column = field.get_col(model._meta.db_table)
        converters = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
        if converters:
            converting.append((index, converters, column))
    return names, converting


def from_row(model: type[M], values: Sequence[Any], using: str = DEFAULT_DB_ALIAS) -> M:
    """An instance of `model` from its columns' values as `select_columns` lists them."""
    names, converting = _plan(model, using)
    row = list(values)
    if len(row) != len(names):
        raise ValueError(f"{model.__name__} has {len(names)} columns, got {len(row)} values")
    connection = connections[using]
    for index, converters, column in converting:
        value = row[index]
        for convert in converters:
            value = convert(value, column, connection)
        row[index] = value
    return model.from_db(using, names, row)


def from_columns(model: type[M], values: dict[str, Any], using: str = DEFAULT_DB_ALIAS) -> M:
    """An instance of `model` from {column: value} holding every concrete column (a row the
    database turned into JSON with to_jsonb)."""
    return from_row(model, [values[f.column] for f in model._meta.concrete_fields], using)
