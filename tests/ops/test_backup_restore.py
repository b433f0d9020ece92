"""A backup restores into an empty database whose books and audit log verify."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db


def _kuwwa(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "kuwwa.cli", *args], env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def _databases(tmp_path: Path) -> tuple[dict[str, str], dict[str, str], list[str]]:
    base = {**os.environ, "KUWWA_LOG_LEVEL": "WARNING"}
    if connection.vendor == "postgresql":
        import psycopg

        settings = connection.settings_dict
        server = f"postgresql://{settings['USER'] or 'postgres'}@{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}"
        names = [f"kuwwa_bk_{uuid.uuid4().hex[:8]}", f"kuwwa_rs_{uuid.uuid4().hex[:8]}"]
        with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
            for name in names:
                admin.execute(f'CREATE DATABASE "{name}"')
        source = {
            **base,
            "DATABASE_URL": f"{server}/{names[0]}",
            "KUWWA_VAR_DIR": str(tmp_path / "a"),
        }
        target = {
            **base,
            "DATABASE_URL": f"{server}/{names[1]}",
            "KUWWA_VAR_DIR": str(tmp_path / "a"),
        }
        return source, target, [f"{server}/postgres", *names]
    source = {
        **base,
        "DATABASE_URL": f"sqlite:///{tmp_path}/source.sqlite3",
        "KUWWA_VAR_DIR": str(tmp_path),
    }
    target = {
        **base,
        "DATABASE_URL": f"sqlite:///{tmp_path}/target.sqlite3",
        "KUWWA_VAR_DIR": str(tmp_path),
    }
    return source, target, []


def test_backup_then_restore_verifies(tmp_path: Path) -> None:
    source, target, cleanup = _databases(tmp_path)
    try:
        _kuwwa(source, "migrate", "--noinput")
        _kuwwa(source, "demo-setup", "--accounts", "300")
        backup = tmp_path / "backup.bin"
        _kuwwa(source, "backup", "--output", str(backup))
        assert backup.stat().st_size > 0
        _kuwwa(target, "restore", str(backup), "--yes")
        assert "passed" in _kuwwa(target, "ledger-check")
        assert "intact" in _kuwwa(target, "audit-verify")
        assert "passed" in _kuwwa(source, "ledger-check")
    finally:
        if cleanup:
            import psycopg

            with psycopg.connect(cleanup[0], autocommit=True) as admin:
                for name in cleanup[1:]:
                    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
