"""Benchmark: how fast `kuwwa demo-data` loads synthetic accounts (with meters).

Target (issue 2): 1,000,000 accounts in under 3 minutes on PostgreSQL on 2 cores. The
reference is a raw COPY (PostgreSQL) or executemany (SQLite) of the same number of
account-shaped rows into a scratch table, measured in the same run, so the ratio says how
much the generator and the ORM cost over the database's own write speed.

    python bench/demo_data.py --accounts 100000 [--db postgres://postgres@127.0.0.1:5432/]

The last line printed is one JSON object of the figures.
"""

from __future__ import annotations

import argparse
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
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--db",
        default=os.environ.get("BENCH_DATABASE_URL"),
        help="PostgreSQL server URL (a scratch database is created); SQLite when omitted",
    )
    args = parser.parse_args()
    fresh_database(args.db, "kuwwa_bench_demo_data")
    from django.db import connection

    from kuwwa.accounts.demo import demo_accounts_load

    start = time.perf_counter()
    created = demo_accounts_load(count=args.accounts, seed=args.seed)
    elapsed = time.perf_counter() - start
    per_s = created / elapsed
    ref_per_s = reference_rows_per_s(args.accounts)
    projected_1m = 1_000_000 / per_s
    print(f"{connection.vendor}: {created} accounts (+meters) in {elapsed:.1f}s = {per_s:,.0f}/s")
    print(f"reference bulk insert: {ref_per_s:,.0f} rows/s")
    print(f"1,000,000 accounts would take {projected_1m:.0f}s")
    print(
        json.dumps(
            {
                "bench": "demo_data",
                "db": connection.vendor,
                "accounts": created,
                "seconds": round(elapsed, 2),
                "per_s": round(per_s, 1),
                "ref": "COPY" if connection.vendor == "postgresql" else "executemany",
                "ref_per_s": round(ref_per_s, 1),
                "ratio": round(per_s / ref_per_s, 3),
                "projected_1m_s": round(projected_1m, 1),
                "target_1m_s": 180,
            }
        )
    )


if __name__ == "__main__":
    main()
