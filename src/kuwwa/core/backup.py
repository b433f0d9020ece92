"""Backups: PostgreSQL through pg_dump/pg_restore, SQLite through its online backup API.

A backup of a running system is consistent (pg_dump takes a snapshot; SQLite's backup API
copies a consistent image while the site keeps serving). Restore replaces the database's
contents; stop the application first.
"""

from __future__ import annotations

import sqlite3
import subprocess
from pathlib import Path

from django.conf import settings
from django.db import connection, connections


def _pg_url() -> str:
    db = settings.DATABASES["default"]
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgresql://{user}{password}@{host}:{port}/{db['NAME']}"


def database_backup(path: Path) -> Path:
    """Write a consistent copy of the database to `path` (custom format on PostgreSQL)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if connection.vendor == "postgresql":
        subprocess.run(
            ["pg_dump", "--format=custom", "--no-owner", f"--file={path}", _pg_url()],
            check=True,
            capture_output=True,
        )
        return path
    source = sqlite3.connect(settings.DATABASES["default"]["NAME"])
    target = sqlite3.connect(path)
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()
    return path


def database_restore(path: Path) -> None:
    """Replace the database's contents with a backup made by `database_backup`."""
    if not path.is_file():
        raise FileNotFoundError(path)
    connections.close_all()
    if connection.vendor == "postgresql":
        subprocess.run(
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                f"--dbname={_pg_url()}",
                str(path),
            ],
            check=True,
            capture_output=True,
        )
        return
    source = sqlite3.connect(path)
    target = sqlite3.connect(settings.DATABASES["default"]["NAME"])
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()
