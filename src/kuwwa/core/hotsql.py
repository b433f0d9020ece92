"""Hand-written statements on the hottest paths, prepared once per connection on PostgreSQL.

Django's psycopg cursors bind parameters on the client and never prepare, so PostgreSQL
parses and plans every statement again. The few statements every API request runs (the key,
the nonce, the inquiry, the idempotency record, the payment function: ADR 0008, ADR 0011)
instead go through `hot_execute`: with KUWWA_DB_PREPARED (the default) they are server-side
bound and prepared by the connection the first time, then only executed. Behind a pooler in
transaction mode that drops prepared statements (PgBouncer before 1.21) set
KUWWA_DB_PREPARED=0. On SQLite the statement runs through Django's cursor as usual.

In autocommit (every hot statement but the SQLite-shaped fallbacks) a prepared statement is
run by libpq in one blocking call that lets go of the GIL while it waits, with psycopg's own
dumpers and loaders kept per statement: psycopg's cursor would build a cursor, copy the
connection's adapters and drive a generator per call, which under load cost about a third of
a millisecond per statement (ADR 0011). Inside a transaction the cursor runs it, so that
psycopg sends the BEGIN it owes.

The statement runs on Django's connection, in its transaction (or autocommit) state, and its
errors are Django's (IntegrityError, DatabaseError), as for any query.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import psycopg
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from psycopg import abc, errors, pq
from psycopg.adapt import PyFormat, Transformer


def hot_execute(sql: str, params: Sequence[Any], *, using: str = DEFAULT_DB_ALIAS) -> list[Any]:
    """Run one statement and return its rows ([] for a statement that returns none)."""
    db = connections[using]
    if db.vendor != "postgresql":
        with db.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall() if cursor.description else []
    db.ensure_connection()
    db.validate_no_broken_transaction()
    raw = db.connection
    prepare = settings.KUWWA_DB_PREPARED
    if prepare and raw.prepare_threshold is None:
        # Django turns psycopg's automatic preparing off; this prepares only the statements
        # that ask for it.
        raw.prepare_threshold = sys.maxsize
    if prepare and raw.autocommit:
        with db.wrap_database_errors:
            return _run_prepared(db, raw, sql, params)
    with db.wrap_database_errors, psycopg.Cursor(raw) as cursor:
        cursor.execute(sql, params, prepare=prepare)
        result = cursor.pgresult
        # Not `cursor.description`: it builds an object per column (the key's row has dozens).
        if result is None or result.status != pq.ExecStatus.TUPLES_OK:
            return []
        return cursor.fetchall()


_PLACEHOLDER = re.compile(r"%s")


@dataclass
class _Statement:
    """A hot statement on one connection: its text for the server, the Transformer that
    dumps its parameters and loads its rows (kept between calls, as a cursor keeps it for a
    repeated query) and its prepared name per parameter types."""

    text: bytes
    adapt: abc.Transformer
    names: dict[tuple[int, ...], bytes] = field(default_factory=dict)


@dataclass
class _Prepared:
    raw: psycopg.Connection[Any]
    statements: dict[str, _Statement] = field(default_factory=dict)
    count: int = 0


def _numbered(sql: str) -> bytes:
    """%s placeholders as $1, $2, ... (the hot statements have no other %)."""
    if "%" in _PLACEHOLDER.sub("", sql):
        raise ValueError("hot statements take only %s placeholders")
    numbers = iter(range(1, sql.count("%s") + 1))
    return _PLACEHOLDER.sub(lambda _m: f"${next(numbers)}", sql).encode()


def _run_prepared(
    db: BaseDatabaseWrapper, raw: psycopg.Connection[Any], sql: str, params: Sequence[Any]
) -> list[Any]:
    prepared: _Prepared | None = getattr(db, "_kuwwa_prepared", None)
    if prepared is None or prepared.raw is not raw:  # a new connection has none prepared
        prepared = _Prepared(raw=raw)
        db._kuwwa_prepared = prepared  # type: ignore[attr-defined]
    statement = prepared.statements.get(sql)
    if statement is None:
        statement = _Statement(text=_numbered(sql), adapt=Transformer(raw))
        prepared.statements[sql] = statement
    adapt = statement.adapt
    values = adapt.dump_sequence(params, [PyFormat.AUTO] * len(params))
    types = tuple(adapt.types or ())
    with raw.lock:
        pgconn = raw.pgconn
        name = statement.names.get(types)
        if name is None:
            name = f"kuwwa_hot_{prepared.count}".encode()
            made = pgconn.prepare(name, statement.text, types)
            if made.status == pq.ExecStatus.FATAL_ERROR:
                raise errors.error_from_result(made, encoding=raw.info.encoding)
            prepared.count += 1
            statement.names[types] = name
        # NULLs are None, as psycopg's cursor passes them (the stub leaves them out).
        result = pgconn.exec_prepared(name, values, param_formats=adapt.formats)  # type: ignore[arg-type]
    if result.status == pq.ExecStatus.FATAL_ERROR:
        raise errors.error_from_result(result, encoding=raw.info.encoding)
    if result.status != pq.ExecStatus.TUPLES_OK:
        return []
    adapt.set_pgresult(result)
    return adapt.load_rows(0, result.ntuples, tuple)
