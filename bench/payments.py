"""Benchmark: payments per second through `payment_create`, with 1, 8 and 32 workers.

Each worker is a process with its own database connection: a cashier with an open shift at
its own center, paying random open bills of random companies (so most payments cross
companies) for a fixed time, after a warm-up (see `_warm_up`). The reference, measured in
the same run on the same server, is pgbench's TPC-B-like transaction rate on a pgbench
database of the same size as the payments' (on SQLite, the same four-statement TPC-B-like
transaction in a loop). Each configuration alternates the two --rounds times (the machine's
speed drifts; adjacent runs see the same drift) and reports the medians; its ratio is the
median of the rounds' ratios. Target (issue 4): at 8 workers, at least 0.3 × pgbench's TPS.

    python bench/payments.py --db postgres://postgres@127.0.0.1:5432/ [--rounds 3]
    python bench/payments.py            # SQLite

It prints one JSON line per configuration; the PostgreSQL 8-worker line is last.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _db import Pgbench, fresh_database


def _prepare(accounts: int) -> None:
    from kuwwa.accounts.demo import demo_accounts_load
    from kuwwa.billing.cycles import cycle_open
    from kuwwa.billing.demo import demo_readings_load
    from kuwwa.billing.run import billing_run
    from kuwwa.organizations.demo import demo_organisation_setup
    from kuwwa.organizations.models import Company

    demo_organisation_setup()
    demo_accounts_load(count=accounts, seed=3)
    for company in Company.objects.distribution():
        cycle = cycle_open(actor=None, company=company, code="2026-06")
        demo_readings_load(company=company, cycle=cycle, seed=3)
        billing_run(actor=None, company=company, cycle=cycle)


def _worker(
    env: dict[str, str], share: tuple[int, int], seconds: float, queue: Any, seed: int, go: Any
) -> None:
    """One cashier paying its share of the open bills (worker w of n takes every n-th bill, in
    a random order), so that two cashiers rarely find the same bill already paid."""
    worker, workers = share
    os.environ.update(env)
    os.environ["KUWWA_LOG_LEVEL"] = "WARNING"
    import django

    django.setup()
    from django.contrib.auth.models import Group

    from kuwwa.billing.models import Bill
    from kuwwa.cashiering.services import shift_open
    from kuwwa.collection.services import PaymentRequest, payment_create
    from kuwwa.core.errors import ApplicationError
    from kuwwa.organizations.models import CollectionCenter, User

    rng = random.Random(seed)
    # Each worker is a cashier at its own center (a center's receipts are one gapless series,
    # so two cashiers of one center take turns on it), with its own open shift.
    centers = list(CollectionCenter.objects.filter(kind="counter").order_by("pk"))
    center = centers[worker % len(centers)]
    cashier = User.objects.create(
        username=f"bench-{os.getpid()}-{worker}",
        scope_kind="center",
        company_id=center.company_id,
        center=center,
    )
    cashier.groups.add(Group.objects.get(name="cashier"))
    shift = shift_open(actor=cashier, opening_float=0)
    bills = list(
        Bill.objects.filter(status="open", total__gt=0)
        .order_by("pk")
        .values_list("account__number", "total")
    )[worker::workers]
    rng.shuffle(bills)
    done = refused = 0
    errors: dict[str, int] = {}
    latencies = []
    go.wait(timeout=600)  # all are set up: no one's start-up eats into another's measurement
    if not bills:
        queue.put((0, 0, [], {"no open bill left (run with more --accounts)": 1}))
        return
    end = time.perf_counter() + seconds
    n = 0
    while time.perf_counter() < end:
        number, total = bills[n % len(bills)]
        n += 1
        request = PaymentRequest(
            account_number=number,
            amount=max(total // rng.choice((1, 2, 4, 10)), 100),
            center=center,
            client_reference=f"bench-{seed}-{n}",
            shift_id=shift.pk,
        )
        start = time.perf_counter()
        try:
            payment_create(actor=cashier, request=request)
            done += 1
        except ApplicationError:
            refused += 1
        except Exception as exc:  # a crash must be reported, not hang the benchmark
            errors[type(exc).__name__] = errors.get(type(exc).__name__, 0) + 1
        latencies.append(time.perf_counter() - start)
    queue.put((done, refused, latencies, errors))


def _run(workers: int, seconds: float, seeds: int = 0) -> dict[str, float]:
    env = {k: v for k, v in os.environ.items() if k in ("DATABASE_URL", "KUWWA_VAR_DIR")}
    env["DJANGO_SETTINGS_MODULE"] = "kuwwa.settings"
    env["KUWWA_DEBUG"] = "0"  # as in production: no per-query debug log in the workers
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    go = ctx.Barrier(workers)
    procs = [
        ctx.Process(target=_worker, args=(env, (w, workers), seconds, queue, seeds + w, go))
        for w in range(workers)
    ]
    for p in procs:
        p.start()
    results = [queue.get(timeout=seconds + 120) for _ in procs]
    for p in procs:
        p.join()
    done = sum(r[0] for r in results)
    refused = sum(r[1] for r in results)
    lat = sorted(x for r in results for x in r[2])
    errors: dict[str, int] = {}
    for r in results:
        for name, count in r[3].items():
            errors[name] = errors.get(name, 0) + count
    if errors:
        print(f"errors with {workers} workers: {errors}")
    p50 = lat[len(lat) // 2] * 1000 if lat else 0.0
    p99 = lat[int(len(lat) * 0.99)] * 1000 if lat else 0.0
    return {"per_s": done / seconds, "refused": refused, "p50_ms": p50, "p99_ms": p99}


def _checkpoint() -> None:
    """Flush what the previous phase dirtied (pgbench's load, our payments) so that neither
    measurement pays for the other's checkpoint. PostgreSQL only."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("CHECKPOINT")
        connection.close()


def _warm_up(seconds: float) -> None:
    """Start from a day already under way, with statistics, as a live system would.

    Right after loading, the payment tables are empty and their statistics say so; plans cached
    then (the foreign-key checks, the payment function's lookups) scan whole tables as they
    grow; and a freshly loaded database is not yet vacuumed, so autovacuum would work through
    the loaded tables during the measurement. Pay for a few seconds (other accounts than the
    measured runs), then VACUUM ANALYZE, as autovacuum has done on a live database."""
    from django.db import connection

    _run(4, seconds, seeds=100_000)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    connection.close()


def _sqlite_tpcb(seconds: float) -> float:
    """A TPC-B-like transaction on SQLite with the project's durability settings."""
    path = Path(tempfile.mkdtemp(prefix="kuwwa-tpcb-")) / "tpcb.sqlite3"
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.execute("CREATE TABLE accounts (aid INTEGER PRIMARY KEY, bid INT, abalance INT)")
    db.execute("CREATE TABLE tellers (tid INTEGER PRIMARY KEY, bid INT, tbalance INT)")
    db.execute("CREATE TABLE branches (bid INTEGER PRIMARY KEY, bbalance INT)")
    db.execute("CREATE TABLE history (tid INT, bid INT, aid INT, delta INT, mtime TEXT)")
    db.executemany("INSERT INTO accounts VALUES (?, 1, 0)", [(i,) for i in range(100_000)])
    db.executemany("INSERT INTO tellers VALUES (?, 1, 0)", [(i,) for i in range(10)])
    db.execute("INSERT INTO branches VALUES (1, 0)")
    rng = random.Random(1)
    done = 0
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        aid, tid, delta = rng.randrange(100_000), rng.randrange(10), rng.randint(-5000, 5000)
        db.execute("BEGIN IMMEDIATE")
        db.execute("UPDATE accounts SET abalance = abalance + ? WHERE aid = ?", (delta, aid))
        db.execute("SELECT abalance FROM accounts WHERE aid = ?", (aid,)).fetchone()
        db.execute("UPDATE tellers SET tbalance = tbalance + ? WHERE tid = ?", (delta, tid))
        db.execute("UPDATE branches SET bbalance = bbalance + ? WHERE bid = 1", (delta,))
        db.execute("INSERT INTO history VALUES (?, 1, ?, ?, CURRENT_TIMESTAMP)", (tid, aid, delta))
        db.execute("COMMIT")
        done += 1
    return done / seconds


def _configuration(
    vendor: str, workers: int, rounds: int, seconds: float, pgbench: Pgbench | None
) -> dict[str, Any]:
    """`rounds` alternated runs of the payments and the reference; the medians as one line."""
    ref_name = f"pgbench tpcb-like -s {pgbench.scale}" if pgbench else "sqlite tpcb-like loop"
    runs = []
    for r in range(rounds):
        _checkpoint()
        # Distinct references in every round (a repeat would be a replay, or refused).
        figures = _run(workers, seconds, seeds=1_000_000 * (r + 1) + 1000 * workers)
        ref = pgbench.run(workers, int(seconds)) if pgbench else _sqlite_tpcb(seconds)
        runs.append((figures, ref))
        print(
            f"{vendor} {workers:>2} workers, round {r + 1}: {figures['per_s']:,.0f} "
            f"payments/s (p50 {figures['p50_ms']:.1f} ms, p99 {figures['p99_ms']:.1f} ms); "
            f"{ref_name} {ref:,.0f}/s",
            flush=True,
        )

    def median(key: str) -> float:
        return statistics.median(f[key] for f, _r in runs)

    ratios = [f["per_s"] / r for f, r in runs if r]
    return {
        "bench": "payments",
        "db": vendor,
        "workers": workers,
        "rounds": len(runs),
        "per_s": round(median("per_s"), 1),
        "refused": sum(f["refused"] for f, _r in runs),
        "p50_ms": round(median("p50_ms"), 2),
        "p99_ms": round(median("p99_ms"), 2),
        "ref": ref_name,
        "ref_per_s": round(statistics.median(r for _f, r in runs), 1),
        "ratio": round(statistics.median(ratios), 3) if ratios else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", default=os.environ.get("BENCH_DATABASE_URL"))
    parser.add_argument(
        "--accounts",
        type=int,
        default=120_000,
        help="billed accounts: enough open bills for every round of every configuration",
    )
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--workers", default="1,8,32")
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="alternate the payments and the reference this many times; report the medians",
    )
    parser.add_argument(
        "--warmup", type=float, default=5, help="seconds of payments before measuring (0: none)"
    )
    args = parser.parse_args()
    fresh_database(args.db, "kuwwa_bench_payments")
    from django.db import connection, connections

    _prepare(args.accounts)
    vendor = connection.vendor
    connections.close_all()
    if args.warmup > 0:
        _warm_up(args.warmup)
    pgbench = None
    if vendor == "postgresql":
        # The reference works on as much data as the payments do (a bigger database caches
        # less), measured after the warm-up.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_database_size(current_database())")
            (size,) = cursor.fetchone()
        connection.close()
        pgbench = Pgbench(args.db, "kuwwa_bench_pgbench", scale=Pgbench.scale_for(size))
        print(f"database {size / 2**20:,.0f} MB; pgbench scale {pgbench.scale}", flush=True)
    try:
        lines = [
            _configuration(vendor, workers, args.rounds, args.seconds, pgbench)
            for workers in [int(w) for w in args.workers.split(",")]
        ]
    finally:
        if pgbench:
            pgbench.drop()
    lines.sort(key=lambda x: x["db"] == "postgresql" and x["workers"] == 8)
    for line in lines:
        print(json.dumps(line))


if __name__ == "__main__":
    main()
