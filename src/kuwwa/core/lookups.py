"""`field__any=[ids]`: membership in a long list of integer ids, sent as one parameter.

`field__in=ids` puts one placeholder per value in the SQL and prepares every value through
the field in Python; for the billing run's chunks of thousands of ids that cost more than the
query itself. `__any` sends the list as a single array (PostgreSQL: `= ANY(%s)`) or a single
JSON text (SQLite: `IN (SELECT value FROM json_each(%s))`). Only integers are accepted: it is
meant for primary and foreign keys, which need no preparation.

Pass a set (or any iterable that is not a list or tuple): Django walks every element of a
list or tuple given to a lookup, looking for expressions, which for thousands of ids costs
as much as the rest of the filter.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Field, ForeignObject, Lookup, Q
from django.db.models.sql.compiler import SQLCompiler

__all__ = ["AnyOf", "among"]


class AnyOf(Lookup):
    lookup_name = "any"
    prepare_rhs = False

    def get_prep_lookup(self) -> list[int]:
        values: Iterable[Any] = self.rhs
        ids = sorted(values) if isinstance(values, set | frozenset) else list(values)
        for value in ids:
            if not isinstance(value, int) or isinstance(value, bool):
                raise TypeError(f"__any takes integer ids, got {value!r}")
        return ids

    def as_sql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper
    ) -> tuple[str, list[Any]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(%s::bigint[])", [*lhs_params, self.rhs]
        # lhs is the column as the compiler quoted it; the values stay a parameter.
        sql = f"{lhs} IN (SELECT value FROM json_each(%s))"  # noqa: S608
        return sql, [*lhs_params, json.dumps(self.rhs)]


# Registered on both: related fields keep lookups of their own apart from Field's.
Field.register_lookup(AnyOf)
ForeignObject.register_lookup(AnyOf)


def among(field: str, ids: Collection[int]) -> Q:
    """`field` is one of `ids`, stated twice: as the range they span and as the list. The
    range lets PostgreSQL bound an index scan to the ids (a composite index with the field
    in the middle otherwise reads every row before it and filters them by the list: the
    billing run's "already billed?" check did that for the whole company, every chunk)."""
    if not ids:
        return Q(pk__in=[])
    # gte/lte rather than range: foreign keys take only the comparisons.
    bounds = {f"{field}__gte": min(ids), f"{field}__lte": max(ids)}
    return Q(**bounds, **{f"{field}__any": frozenset(ids)})
