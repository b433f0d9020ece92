"""Benchmark for developers: the CPU one inquiry+payment pair costs in two versions of the code,
served side by side.

The machines this project is measured on drift by ±20 % in speed within minutes, so two runs
of bench/api_load.py one after the other cannot show a change of a few per cent. This script
serves both versions at once instead: each version gets a scratch database made by its own
code (its own migrations) and a granian server (1 worker, 2 threads) started with its source
first on the path, and both take the same light load at the same time (--clients each, few
enough that the machine is not saturated). It reads from /proc the CPU time of each server's
processes and of each database's PostgreSQL backends, so every round compares the versions
under the same conditions. Run against itself (the same --a and --b) it gave 0.992–1.004 in
all, and 1.025 once for the server alone: trust differences of more than about 3 %.

    git worktree add /tmp/kuwwa-base HEAD~1
    python bench/api_cpu_ab.py --a /tmp/kuwwa-base/src --b src [--rounds 5 --seconds 10]

The PostgreSQL server is BENCH_DATABASE_URL's (default postgres://postgres@127.0.0.1:5432/).

Both versions must still have the setup functions bench/api_load.py uses. Linux only (/proc).
The last line is JSON: B/A ratios of server, PostgreSQL and total CPU per pair, and the
milliseconds per pair of each round.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import secrets
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import api_load

SERVER_URL = os.environ.get("BENCH_DATABASE_URL", api_load.DEFAULT_DB).rstrip("/")
TICKS = os.sysconf("SC_CLK_TCK")


def _prepare(src: str, name: str) -> None:
    """Child process: make database `name` with the code in `src`; print its keys and
    account numbers as JSON."""
    sys.path.insert(0, src)  # before this checkout's src, which _db put first
    import psycopg

    with psycopg.connect(f"{SERVER_URL}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    os.environ["DATABASE_URL"] = f"{SERVER_URL}/{name}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kuwwa.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    from kuwwa.accounts.models import Account

    api_load._prepare(2000)
    numbers = list(Account.objects.values_list("number", flat=True))
    print(json.dumps({"keys": api_load._keys(), "numbers": numbers}))


def _stat(pid: str) -> list[str]:
    """/proc/PID/stat's fields after the command name (state, ppid, pgrp, ...)."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def _cpu(pids: list[str]) -> dict[str, float]:
    """CPU seconds (user + system) of each live process of `pids`."""
    seconds = {}
    for pid in pids:
        try:
            fields = _stat(pid)
        except OSError:
            continue  # it has exited
        seconds[pid] = (int(fields[11]) + int(fields[12])) / TICKS
    return seconds


def _processes(matches: Callable[[str], bool]) -> list[str]:
    """The live processes for which `matches(pid)` holds."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if matches(pid):
                found.append(pid)
        except OSError:  # it has exited
            continue
    return found


def _in_group(group: int) -> Callable[[str], bool]:
    return lambda pid: int(_stat(pid)[2]) == group


def _backend_of(database: str) -> Callable[[str], bool]:
    """PostgreSQL's backends show their database in their command line."""
    marker = f" {database} ".encode()
    return lambda pid: marker in Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")


class _Version:
    def __init__(self, label: str, src: str, index: int, encryption_key: str) -> None:
        self.label, self.src = label, str(Path(src).resolve())
        self.database = f"kuwwa_bench_ab_{index}"
        self.encryption_key = encryption_key
        self.server: subprocess.Popen[bytes] | None = None
        self.base = ""
        self.data: dict[str, Any] = {}

    def prepare(self) -> None:
        env = dict(os.environ, KUWWA_API_KEY_ENCRYPTION_KEY=self.encryption_key)
        env["KUWWA_LOG_LEVEL"] = "WARNING"
        done = subprocess.run(
            [sys.executable, __file__, "--prepare", self.src, self.database],
            env=env,
            capture_output=True,
            text=True,
        )
        if done.returncode:
            raise SystemExit(f"{self.label}: preparing its database failed:\n{done.stderr}")
        self.data = json.loads(done.stdout.strip().splitlines()[-1])

    def start(self, log: Any) -> None:
        port = api_load._free_port()
        env = api_load._server_env(self.encryption_key, 0)
        env["PYTHONPATH"] = self.src
        env["DATABASE_URL"] = f"{SERVER_URL}/{self.database}"
        command = api_load._server_command("granian", 1, 2, port)
        self.server = api_load._start_server(command, env, log)
        api_load._wait_ready(port, self.server)
        self.base = f"http://127.0.0.1:{port}"

    def cpu(self) -> tuple[dict[str, float], dict[str, float]]:
        assert self.server is not None
        return (
            _cpu(_processes(_in_group(self.server.pid))),
            _cpu(_processes(_backend_of(self.database))),
        )

    def drive(self, clients: int, seconds: float, out: dict[str, Any]) -> None:
        load = api_load._drive(self.base, self.data["keys"], self.data["numbers"], clients, seconds)
        out[self.label] = api_load._figures([load])

    def stop(self) -> None:
        if self.server is not None:
            api_load._stop_server(self.server)


def _spent(before: dict[str, float], after: dict[str, float]) -> float:
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())


def _round(versions: list[_Version], clients: int, seconds: float) -> dict[str, Any]:
    """Both versions under load at once; ms of server and PostgreSQL CPU per pair of each."""
    before = [v.cpu() for v in versions]
    out: dict[str, Any] = {}
    threads = [threading.Thread(target=v.drive, args=(clients, seconds, out)) for v in versions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    figures = {}
    for version, (server0, pg0) in zip(versions, before, strict=True):
        server1, pg1 = version.cpu()
        pairs = out[version.label]["inquiries_per_s"] * seconds
        figures[version.label] = {
            "server_ms": round(_spent(server0, server1) / pairs * 1000, 3),
            "pg_ms": round(_spent(pg0, pg1) / pairs * 1000, 3),
        }
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--a", help="source folder of version A (the reference)")
    parser.add_argument("--b", help="source folder of version B")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--clients", type=int, default=2, help="clients per version")
    parser.add_argument("--prepare", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.prepare:
        _prepare(*args.prepare)
        return
    if not (args.a and args.b):
        raise SystemExit("--a and --b are required")
    encryption_key = base64.b64encode(secrets.token_bytes(32)).decode()
    versions = [
        _Version(label, src, i, encryption_key)
        for i, (label, src) in enumerate((("A", args.a), ("B", args.b)))
    ]
    print("preparing a database with each version ...", flush=True)
    for version in versions:
        version.prepare()
    log = Path(tempfile.mkdtemp(prefix="kuwwa-api-ab-")) / "servers.log"
    rounds = []
    with log.open("wb") as out:
        try:
            for version in versions:
                version.start(out)
            _round(versions, args.clients, 3)  # warm-up: connections, prepared statements
            for number in range(1, args.rounds + 1):
                figures = _round(versions, args.clients, args.seconds)
                rounds.append(figures)
                a, b = figures["A"], figures["B"]
                print(
                    f"round {number}: A server {a['server_ms']} ms, PostgreSQL {a['pg_ms']} ms"
                    f" | B server {b['server_ms']} ms, PostgreSQL {b['pg_ms']} ms (per pair)",
                    flush=True,
                )
        finally:
            for version in versions:
                version.stop()
            _drop([v.database for v in versions])

    def total(label: str, part: str) -> float:
        return sum(r[label][part] for r in rounds)

    ratios = {
        f"{part}_ratio": round(total("B", f"{part}_ms") / total("A", f"{part}_ms"), 3)
        for part in ("server", "pg")
    }
    both = sum(total("B", p) for p in ("server_ms", "pg_ms"))
    ratios["total_ratio"] = round(both / sum(total("A", p) for p in ("server_ms", "pg_ms")), 3)
    print(
        f"B/A CPU per pair: server {ratios['server_ratio']}, PostgreSQL {ratios['pg_ratio']}, "
        f"total {ratios['total_ratio']}"
    )
    print(json.dumps({"bench": "api_cpu_ab", "a": args.a, "b": args.b, **ratios, "rounds": rounds}))


def _drop(names: list[str]) -> None:
    import psycopg

    with psycopg.connect(f"{SERVER_URL}/postgres", autocommit=True) as admin:
        for name in names:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
