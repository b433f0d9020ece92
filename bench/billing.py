"""Benchmark: bills per second of the billing run, lines and ledger postings included.

Loads N synthetic accounts with one reading each into a scratch database (not timed), then
times `billing_run` for every company. The reference, in the same run, is the database's own
bulk path for the same number of bill-shaped rows: COPY on PostgreSQL, executemany on SQLite.
Target (issue 3): 1,000,000 bills in under 60 s on PostgreSQL on 2 cores.

    python bench/billing.py --accounts 100000 [--db postgres://postgres@127.0.0.1:5432/]

The last line printed is one JSON object of the figures.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _db import fresh_database, reference_rows_per_s


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--chunk", type=int, default=2000)
    parser.add_argument(
        "--jobs", type=int, default=os.cpu_count() or 1, help="worker processes (PostgreSQL)"
    )
    parser.add_argument("--db", default=os.environ.get("BENCH_DATABASE_URL"))
    args = parser.parse_args()
    fresh_database(args.db, "kuwwa_bench_billing")
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Sum

    from kuwwa.accounts.demo import demo_accounts_load
    from kuwwa.billing.cycles import cycle_open
    from kuwwa.billing.demo import demo_readings_load
    from kuwwa.billing.models import Bill, BillingRun
    from kuwwa.ledger.models import Posting
    from kuwwa.organizations.models import Company

    demo_accounts_load(count=args.accounts, seed=1)
    for company in Company.objects.distribution():
        cycle = cycle_open(actor=None, company=company, code="2026-06")
        demo_readings_load(company=company, cycle=cycle, seed=1)
    jobs = args.jobs if connection.vendor == "postgresql" else 1  # SQLite: one writer
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # statistics, as a live database has them
            cursor.execute("VACUUM ANALYZE")
    start = time.perf_counter()
    # The operator's own command: `kuwwa billing-run --company all --jobs N`.
    call_command(
        "billing_run",
        company="all",
        cycle="2026-06",
        jobs=jobs,
        chunk=args.chunk,
        no_progress=True,
        stdout=io.StringIO(),
    )
    elapsed = time.perf_counter() - start
    bills = Bill.objects.count()
    per_s = bills / elapsed
    lines = sum(len(items) for items in Bill.objects.values_list("lines", flat=True).iterator())
    postings = Posting.objects.count()
    assert bills == BillingRun.objects.aggregate(n=Sum("bills_created"))["n"]
    ref_per_s = reference_rows_per_s(bills)
    print(
        f"{connection.vendor}: {bills} bills ({lines} lines, {postings} postings) in {elapsed:.1f}s"
    )
    print(f"= {per_s:,.0f} bills/s; reference bulk insert {ref_per_s:,.0f} rows/s")
    print(f"1,000,000 bills would take {1_000_000 / per_s:.0f}s (target 60s on PostgreSQL)")
    print(
        json.dumps(
            {
                "bench": "billing",
                "db": connection.vendor,
                "accounts": args.accounts,
                "bills": bills,
                "seconds": round(elapsed, 2),
                "per_s": round(per_s, 1),
                "ref": "COPY" if connection.vendor == "postgresql" else "executemany",
                "ref_per_s": round(ref_per_s, 1),
                "ratio": round(per_s / ref_per_s, 4),
                "jobs": jobs,
                "projected_1m_s": round(1_000_000 / per_s, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
