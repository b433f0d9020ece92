"""Shared bench setup: a fresh scratch database (SQLite in a temp dir, or a new PostgreSQL
database on the given server), Django configured against it, and dropped afterwards."""

from __future__ import annotations

import atexit
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))


def fresh_database(server_url: str | None, name: str) -> None:
    """Point Django at a new empty database and migrate it.

    server_url: a postgres://user@host:port/ URL (any database part is replaced), or None
    for SQLite in a temporary folder.
    """
    if server_url:
        import psycopg

        base = server_url.rsplit("/", 1)[0]
        admin = psycopg.connect(f"{base}/postgres", autocommit=True)
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
        os.environ["DATABASE_URL"] = f"{base}/{name}"

        def drop() -> None:
            from django.db import connections

            connections.close_all()
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

        atexit.register(drop)
    else:
        os.environ["KUWWA_VAR_DIR"] = tempfile.mkdtemp(prefix="kuwwa-bench-")
        os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kuwwa.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
