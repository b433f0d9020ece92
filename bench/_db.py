"""Shared bench setup: a fresh scratch database (SQLite in a temp dir, or a new PostgreSQL
database on the given server), Django configured against it, and dropped afterwards."""

from __future__ import annotations

import atexit
import os
import re
import subprocess
import sys
import tempfile
import time
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
        with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
            admin.execute(f'CREATE DATABASE "{name}"')
        os.environ["DATABASE_URL"] = f"{base}/{name}"

        def drop() -> None:
            from django.db import connections

            connections.close_all()
            # A connection of its own: one kept from the start would not survive a server
            # restart (bench/chaos.py restarts PostgreSQL) and the database would stay behind.
            with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

        atexit.register(drop)
    else:
        os.environ["KUWWA_VAR_DIR"] = tempfile.mkdtemp(prefix="kuwwa-bench-")
        os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kuwwa.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


class Pgbench:
    """pgbench's TPC-B-like database on the benchmark's server: the reference rate of the same
    server in the same run. Made once, run once per round, dropped at the end. Scale 10
    (≈ 160 MB) unless asked to match a database's size (see `scale_for`)."""

    def __init__(self, server_url: str, name: str, scale: int = 10) -> None:
        import psycopg

        self.base = server_url.rsplit("/", 1)[0]  # postgres://user@host:port
        self.name = name
        with psycopg.connect(f"{self.base}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
            admin.execute(f'CREATE DATABASE "{name}"')
        self.url = f"{self.base}/{name}"
        self.scale = scale
        init = ["pgbench", "-q", "-i", "-s", str(scale), self.url]
        try:
            subprocess.run(init, check=True, capture_output=True)
        except BaseException:
            self.drop()  # a failed initialisation leaves no scratch database behind
            raise

    def run(self, clients: int, seconds: int) -> float:
        """TPS over `seconds`, after a checkpoint (so neither measurement pays for the other's
        dirty pages)."""
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute("CHECKPOINT")
        command = ["pgbench", "-b", "tpcb-like", "-c", str(clients), "-j", str(min(2, clients))]
        out = subprocess.run(
            [*command, "-T", str(seconds), self.url],
            check=True,
            capture_output=True,
            text=True,
            timeout=seconds + 120,
        ).stdout
        match = re.search(r"tps = ([\d.]+)", out)
        return float(match.group(1)) if match else 0.0

    @staticmethod
    def scale_for(size_bytes: int) -> int:
        """The pgbench scale whose database is about `size_bytes` (≈ 16 MB per unit), so that
        the reference works on as much data as the measured application does."""
        return max(1, round(size_bytes / (16 * 1024 * 1024)))

    def drop(self) -> None:
        import psycopg

        with psycopg.connect(f"{self.base}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def reference_rows_per_s(rows: int) -> float:
    """Rows per second of the database's own bulk path (COPY / executemany) for rows shaped
    like an account or a bill, into a scratch table."""
    from django.db import connection, transaction

    data = [
        (f"01{i:010d}", "household", "active", "محمد أحمد الحلبي", "0944123456", "المزة، شارع")
        for i in range(rows)
    ]
    with connection.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS bench_ref")
        cur.execute(
            "CREATE TABLE bench_ref (number varchar(12), category varchar(16), status varchar(16),"
            " holder varchar(200), phone varchar(20), address varchar(300))"
        )
    start = time.perf_counter()
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            raw = cur.cursor
            with raw.copy("COPY bench_ref FROM STDIN") as copy:
                for row in data:
                    copy.write_row(row)
    else:
        with transaction.atomic(), connection.cursor() as cur:
            cur.executemany("INSERT INTO bench_ref VALUES (%s, %s, %s, %s, %s, %s)", data)
    elapsed = time.perf_counter() - start
    with connection.cursor() as cur:
        cur.execute("DROP TABLE bench_ref")
    return rows / elapsed
