"""A small run of the crash harness (bench/chaos.py): app workers killed repeatedly (and, on
PostgreSQL, the database restarted with an immediate stop) while clients pay through the
partner API and the counter; nothing acknowledged is lost and nothing is paid twice."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connections

ROOT = Path(__file__).resolve().parents[2]


def _run(*args: str, env: dict[str, str]) -> dict[str, object]:
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "chaos.py"), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    last = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else "{}"
    figures = json.loads(last)
    assert result.returncode == 0, (figures, result.stderr[-3000:])
    return figures


def test_sqlite_survives_app_kills(tmp_path: Path) -> None:
    env = {**os.environ, "KUWWA_LOG_LEVEL": "ERROR"}
    env.pop("DATABASE_URL", None)
    figures = _run(
        "--seconds", "12", "--clients", "4", "--workers", "2", "--accounts", "400", env=env
    )
    assert figures["kills"] >= 2 and figures["acknowledged"] > 0
    assert figures["lost"] == 0 and figures["duplicated"] == 0


@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="needs PostgreSQL"
)
@pytest.mark.skipif(shutil.which("pg_ctlcluster") is None, reason="cannot restart PostgreSQL here")
def test_postgresql_survives_app_kills_and_database_restarts() -> None:
    server = os.environ["DATABASE_URL"].rsplit("/", 1)[0] + "/"
    env = {**os.environ, "KUWWA_LOG_LEVEL": "ERROR"}
    try:
        figures = _run(
            "--db",
            server,
            "--name",
            "kuwwa_ci_chaos",
            "--seconds",
            "20",
            "--clients",
            "4",
            "--workers",
            "2",
            "--accounts",
            "400",
            "--pg-restarts",
            "1",
            env=env,
        )
    finally:
        connections.close_all()  # this process's connections died with the restart
    assert figures["kills"] >= 2 and figures["restarts"] == 1 and figures["acknowledged"] > 0
    assert figures["lost"] == 0 and figures["duplicated"] == 0
