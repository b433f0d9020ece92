"""Hand-written statements on the hottest paths, prepared once per connection on PostgreSQL.

Django's psycopg cursors bind parameters on the client and never prepare, so PostgreSQL
parses and plans every statement again. The few statements every API request runs (the key,
the nonce, the inquiry, the idempotency record, the payment function: ADR 0008, ADR 0011)
instead go through `hot_execute`: with KUWWA_DB_PREPARED (the default) they are server-side
bound and prepared by the connection the first time, then only executed. Behind a pooler in
transaction mode that drops prepared statements (PgBouncer before 1.21) set
KUWWA_DB_PREPARED=0. On SQLite the statement runs through Django's cursor as usual.

The statement runs on Django's connection, in its transaction (or autocommit) state, and its
errors are Django's (IntegrityError, DatabaseError), as for any query.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

import psycopg
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from psycopg import pq


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
    with db.wrap_database_errors, psycopg.Cursor(raw) as cursor:
        cursor.execute(sql, params, prepare=prepare)
        result = cursor.pgresult
        # Not `cursor.description`: it builds an object per column (the key's row has dozens).
        if result is None or result.status != pq.ExecStatus.TUPLES_OK:
            return []
        return cursor.fetchall()
