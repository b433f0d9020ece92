"""Benchmark: every back-office dashboard on 1,000,000 accounts and 10,000,000 payments.

Loads a scratch PostgreSQL database with set-based SQL (INSERT … SELECT generate_series; rows
satisfy the models' constraints): accounts and meters, six billing cycles per company, bills of
the last issued cycles, meter readings, a year of payments (80 % at the owning company's
counters, 10 % at another company's, 10 % through partners; 0.5 % reversed), a closed shift
per cashier per day, complaints, and the last three days settled. Then it runs the first
`stats_refresh`, adds a minute's worth of new payments and reversals (the tail the dashboards
summarise lazily), and times each dashboard's selector and its whole page through Django's
test client. The reference, from the same run, is one direct aggregate over the payments table
(collections this cycle by company), i.e. what a dashboard would cost without summaries.
Target (issue "Settlement between companies and statistics"): every dashboard under 300 ms.

    python bench/reports.py --db postgres://postgres@127.0.0.1:5432/            # full size
    python bench/reports.py --db postgres://… --accounts 100000 --payments 100000  # CI size

The last line printed is one JSON object with each dashboard's milliseconds and `worst_ms`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _db import fresh_database

CENTERS_PER_COMPANY = 20
CASHIERS_PER_CENTER = 3
CYCLES = ("2025-12", "2026-02", "2026-04", "2026-06", "2026-08", "2026-10")
BILLED = ("2026-04", "2026-06", "2026-08")  # issued: bills; paid share falls with age
PAID_SHARE = {"2026-04": 0.92, "2026-06": 0.85, "2026-08": 0.55}
READ = ("2026-08", "2026-10")
PARTNERS = (  # (code, kind, center code, channel)
    ("sandbox-bank", "bank", "9001", "bank"),
    ("sandbox-wallet", "ewallet", "9002", "ewallet"),
    ("bench-network", "network", "9003", "portal"),
)


def _log(message: str, started: float) -> None:
    print(f"  {message} ({time.perf_counter() - started:.1f} s)", flush=True)


def _sql(sql: str, params: Any = None) -> int:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(sql, params)
        return cur.rowcount


def _without_indexes(table: str, load: Any) -> None:
    """Drop the secondary indexes of `table`, run `load`, build them again (as pg_restore
    does): a bulk load is several times faster than maintaining seven indexes row by row."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = %s "
            "AND i.indexname NOT IN (SELECT conname FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype IN ('p', 'u'))",
            [table, table],
        )
        indexes = cur.fetchall()
        for name, _definition in indexes:
            cur.execute(f'DROP INDEX "{name}"')
    load()
    with connection.cursor() as cur:
        for _name, definition in indexes:
            cur.execute(definition)


def _reference_data() -> dict[str, Any]:
    """Centers, partners and cashiers through Django (small), returned as id arrays."""
    from django.contrib.auth.models import Group
    from django.db import connection

    from kuwwa.billing.cycles import cycle_open
    from kuwwa.organizations.demo import demo_organisation_setup
    from kuwwa.organizations.models import CollectionCenter, Company, Partner, User

    demo_organisation_setup()
    companies = list(Company.objects.distribution().order_by("code"))
    est = Company.objects.get(code="00")
    centers: list[int] = []
    for company in companies:
        for k in range(1, CENTERS_PER_COMPANY + 1):
            center, _ = CollectionCenter.objects.get_or_create(
                company=company,
                code=f"{k:04d}",
                defaults={
                    "name_ar": f"مركز جباية {company.governorate_ar} {k}",
                    "name_en": f"{company.governorate_en} center {k}",
                },
            )
            centers.append(center.pk)
    partner_centers = []
    for code, kind, center_code, channel in PARTNERS:
        partner, _ = Partner.objects.get_or_create(
            code=code, defaults={"name_ar": code, "name_en": code, "kind": kind}
        )
        center, _ = CollectionCenter.objects.get_or_create(
            company=est,
            code=center_code,
            defaults={"name_ar": code, "name_en": code, "kind": "virtual", "partner": partner},
        )
        partner_centers.append((center.pk, partner.pk, channel))
    group = Group.objects.get(name="cashier")
    cashiers: list[int] = []
    for index, center_id in enumerate(centers):
        company = companies[index // CENTERS_PER_COMPANY]
        for j in range(CASHIERS_PER_CENTER):
            user = User.objects.create(
                username=f"bench-{company.code}-{index % CENTERS_PER_COMPANY + 1:02d}-{j}",
                first_name="أمين",
                last_name=f"صندوق {index}-{j}",
                scope_kind="center",
                company=company,
                center_id=center_id,
                is_staff=True,
            )
            cashiers.append(user.pk)
    with connection.cursor() as cur:
        cur.executemany(
            "INSERT INTO organizations_user_groups (user_id, group_id) VALUES (%s, %s)",
            [(u, group.pk) for u in cashiers],
        )
    cycles: dict[str, list[int]] = {code: [] for code in CYCLES}
    for company in companies:
        for code in CYCLES:
            cycles[code].append(cycle_open(actor=None, company=company, code=code).pk)
    return {
        "companies": [c.pk for c in companies],
        "codes": [c.code for c in companies],
        "establishment": est.pk,
        "centers": centers,
        "partner_centers": partner_centers,
        "cashiers": cashiers,
        "cycles": cycles,
    }


def _load_accounts(n: int, ref: dict[str, Any]) -> None:
    # Account g belongs to company (g-1) % 14; its local number is (g-1) / 14 + 1, and the
    # national number carries ISO 7064 mod 97-10 check digits (kuwwa.core.ids).
    _sql(
        """
        INSERT INTO accounts_account (id, company_id, number, category, status, holder_name,
            national_id, phone, address, created_at, updated_at)
        SELECT g, (%(companies)s::bigint[])[1 + (g - 1) %% 14],
            body || lpad((98 - (body::bigint * 100) %% 97)::text, 2, '0'),
            CASE WHEN g %% 10 = 0 THEN 'commercial' ELSE 'household' END, 'active',
            'مشترك ' || g, '', '', '', now(), now()
        FROM (SELECT g, (%(codes)s::text[])[1 + (g - 1) %% 14]
                         || lpad(((g - 1) / 14 + 1)::text, 8, '0') AS body
              FROM generate_series(1, %(n)s) g) s
        """,
        {"n": n, "companies": ref["companies"], "codes": ref["codes"]},
    )
    _sql(
        """
        INSERT INTO accounts_meter (id, company_id, account_id, serial, digits, multiplier,
            phase, initial_reading, installed_on)
        SELECT id, company_id, id, 'M' || id, 6, 1, 'single', 0, DATE '2020-01-01'
        FROM accounts_account
        """
    )
    for table in ("accounts_account", "accounts_meter"):
        _sql(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), %s)", [n])


def _load_bills(n: int, ref: dict[str, Any]) -> None:
    """One bill per account for each issued cycle; the paid part was settled from credit."""
    from kuwwa.billing.models import Tariff

    tariff = Tariff.objects.filter(category="household").order_by("-effective_from").first()
    assert tariff is not None
    for c, code in enumerate(BILLED):
        _sql(
            """
            INSERT INTO billing_bill (id, company_id, account_id, cycle_id, number, category,
                tariff_id, previous_reading, current_reading, consumption_kwh, estimated,
                total, adjusted, paid, credit_applied, status, issue_date, due_date)
            SELECT %(c)s * %(n)s + a.id, a.company_id, a.id, cy.id,
                (%(codes)s::text[])[1 + (a.id - 1) %% 14] || %(yyyymm)s
                    || lpad(((a.id - 1) / 14 + 1)::text, 7, '0'),
                a.category, %(tariff)s, 0, 0, 0, false, t.total, 0, t.paid, t.paid,
                CASE WHEN t.paid = t.total THEN 'paid' WHEN t.paid > 0 THEN 'partly_paid'
                     ELSE 'open' END,
                cy.issue_date, cy.due_date
            FROM accounts_account a
            JOIN billing_billingcycle cy ON cy.company_id = a.company_id AND cy.code = %(code)s
            CROSS JOIN LATERAL (
                SELECT tt.total,
                    CASE WHEN r < %(paid)s THEN tt.total
                         WHEN r < %(paid)s + 0.05 THEN tt.total / 2 ELSE 0 END AS paid
                FROM (SELECT (20000 + (a.id * 7919 %% 300000)) * 100 AS total,
                             ((a.id * 2654435761 + %(c)s * 40503) %% 1000) / 1000.0 AS r) tt
            ) t
            """,
            {
                "c": c,
                "n": n,
                "codes": ref["codes"],
                "yyyymm": code.replace("-", ""),
                "tariff": tariff.pk,
                "code": code,
                "paid": PAID_SHARE[code],
            },
        )
    _sql("SELECT setval(pg_get_serial_sequence('billing_bill', 'id'), %s)", [len(BILLED) * n])


def _load_readings(n: int) -> None:
    for c, code in enumerate(READ):
        _sql(
            """
            INSERT INTO billing_meterreading (id, company_id, account_id, meter_id, cycle_id,
                value, read_on, source, status, flags, consumption_kwh, note, photo, created_at)
            SELECT %(c)s * %(n)s + a.id, a.company_id, a.id, a.id, cy.id,
                1000 * (%(c)s + 1) + a.id %% 500, cy.reading_window_start,
                CASE WHEN r < 0.70 THEN 'reader' WHEN r < 0.85 THEN 'citizen'
                     WHEN r < 0.90 THEN 'office' ELSE 'estimated' END,
                'accepted', '[]'::jsonb, 300, '', '', now()
            FROM accounts_account a
            JOIN billing_billingcycle cy ON cy.company_id = a.company_id AND cy.code = %(code)s
            CROSS JOIN LATERAL (SELECT ((a.id * 48271 + %(c)s) %% 1000) / 1000.0 AS r) t
            """,
            {"c": c, "n": n, "code": code},
        )
    _sql("SELECT setval(pg_get_serial_sequence('billing_meterreading', 'id'), %s)", [2 * n])


_PAYMENTS = """
INSERT INTO collection_payment (id, company_id, account_id, amount, to_credit, channel, tender,
    collector_id, center_id, partner_id, shift_id, cashier_id, client_reference, receipt_number,
    business_date, received_at, status, reversal_reason, reversal_note, reversed_at)
SELECT g, owner_id, account, amount, amount, channel,
    CASE WHEN channel = 'counter' THEN 'cash' WHEN channel = 'ewallet' THEN 'wallet'
         ELSE 'transfer' END,
    collector_id, center_id, partner_id, NULL, cashier_id, 'b' || g, 'B' || g, day, received_at,
    CASE WHEN g %% 200 = 0 THEN 'reversed' ELSE 'posted' END,
    CASE WHEN g %% 200 = 0 THEN 'duplicate' ELSE '' END, '',
    CASE WHEN g %% 200 = 0 THEN received_at + interval '30 minutes' END
FROM (
    SELECT g, account, owner_id, amount, day,
        (day + time '08:00' + r5 * interval '10 hours') AT TIME ZONE 'Asia/Damascus'
            AS received_at,
        CASE WHEN kind = 'partner'
             THEN (%(pcenters)s::bigint[])[1 + floor(r4 * 3)::int]
             ELSE (%(centers)s::bigint[])[1 + ci * %(cpc)s + floor(r5 * %(cpc)s)::int] END
            AS center_id,
        CASE WHEN kind = 'partner' THEN (%(partners)s::bigint[])[1 + floor(r4 * 3)::int] END
            AS partner_id,
        CASE WHEN kind = 'partner' THEN (%(pchannels)s::text[])[1 + floor(r4 * 3)::int]
             ELSE 'counter' END AS channel,
        CASE WHEN kind = 'partner' THEN %(est)s
             ELSE (%(companies)s::bigint[])[1 + ci] END AS collector_id,
        CASE WHEN kind = 'partner' THEN NULL
             ELSE (%(cashiers)s::bigint[])[1 + (ci * %(cpc)s + floor(r5 * %(cpc)s)::int)
                  * %(cpp)s + floor(r4 * %(cpp)s)::int] END AS cashier_id
    FROM (
        SELECT g, account, owner_id, amount, day, r4, r5,
            CASE WHEN r3 < 0.90 THEN 'counter' ELSE 'partner' END AS kind,
            CASE WHEN r3 < 0.80 THEN oi ELSE (oi + 1 + floor(r4 * 13)::int) %% 14 END AS ci
        FROM (
            SELECT g, a AS account, (a - 1) %% 14 AS oi,
                (%(companies)s::bigint[])[1 + (a - 1) %% 14] AS owner_id,
                (5000 + floor(r1 * r1 * 100000)::bigint) * 100 AS amount,
                %(today)s::date - (floor(r2 * %(days)s)::int) AS day, r3, r4, r5, r1
            FROM (
                SELECT g, 1 + floor(random() * %(n)s)::bigint AS a, random() AS r1, random() AS r2,
                    random() AS r3, random() AS r4, random() AS r5
                FROM generate_series(%(lo)s, %(hi)s) g
            ) s0
        ) s1
    ) s2
) s3
"""


def _load_payments(lo: int, hi: int, n: int, days: int, today: dt.date, ref: Any) -> None:
    _sql(
        _PAYMENTS,
        {
            "lo": lo,
            "hi": hi,
            "n": n,
            "days": days,
            "today": today,
            "companies": ref["companies"],
            "centers": ref["centers"],
            "cashiers": ref["cashiers"],
            "pcenters": [c for c, _p, _ch in ref["partner_centers"]],
            "partners": [p for _c, p, _ch in ref["partner_centers"]],
            "pchannels": [ch for _c, _p, ch in ref["partner_centers"]],
            "est": ref["establishment"],
            "cpc": CENTERS_PER_COMPANY,
            "cpp": CASHIERS_PER_CENTER,
        },
    )


def _load_shifts(days: int, today: dt.date, ref: dict[str, Any]) -> None:
    """A closed, approved shift per cashier per day; most balance, some are short or over."""
    _sql(
        """
        INSERT INTO cashiering_shift (company_id, center_id, cashier_id, status, opening_float,
            opened_at, closed_at, count, counted, expected, over_short)
        SELECT u.company_id, u.center_id, u.id, 'approved', 0,
            (d + time '08:00') AT TIME ZONE 'Asia/Damascus',
            (d + time '18:00') AT TIME ZONE 'Asia/Damascus', '{}'::jsonb, 0, os * -1, os
        FROM organizations_user u
        CROSS JOIN generate_series(%(start)s::date, %(today)s::date, interval '1 day') dd
        CROSS JOIN LATERAL (SELECT dd::date AS d,
            CASE WHEN (u.id * 31 + extract(doy FROM dd)::int) %% 10 = 0 THEN -50000
                 WHEN (u.id * 17 + extract(doy FROM dd)::int) %% 20 = 0 THEN 10000
                 ELSE 0 END AS os) x
        WHERE u.id = ANY(%(cashiers)s)
        """,
        {"start": today - dt.timedelta(days=days - 1), "today": today, "cashiers": ref["cashiers"]},
    )


def _load_complaints(count: int, n: int, today: dt.date) -> None:
    _sql(
        """
        INSERT INTO portal_complaint (company_id, account_id, reference, subject,
            subject_reference, reason, description, phone, attachment, status, resolution,
            created_at, resolved_at)
        SELECT a.company_id, a.id, 'B' || g, 'bill', '',
            (ARRAY['paid_still_due','duplicate_payment','wrong_amount','wrong_account',
                   'estimated_too_high','other'])[1 + g %% 6],
            '', '', '', st, CASE WHEN st IN ('resolved', 'rejected') THEN 'done' ELSE '' END,
            created, CASE WHEN st IN ('resolved', 'rejected')
                          THEN created + (g %% 30) * interval '1 day' + interval '3 hours' END
        FROM generate_series(1, %(count)s) g
        JOIN accounts_account a ON a.id = 1 + (g * 7919) %% %(n)s
        CROSS JOIN LATERAL (SELECT
            CASE WHEN g %% 10 < 6 THEN 'resolved' WHEN g %% 10 = 6 THEN 'rejected'
                 WHEN g %% 10 = 7 THEN 'assigned' ELSE 'open' END AS st,
            ((%(today)s::date - (g %% 365)) + time '10:00') AT TIME ZONE 'Asia/Damascus'
                AS created) x
        """,
        {"count": count, "n": n, "today": today},
    )


def _load(args: argparse.Namespace, today: dt.date) -> dict[str, Any]:
    from django.db import connection

    from kuwwa.settlement.services import settlement_run

    started = time.perf_counter()
    ref = _reference_data()
    _log(f"reference data: {len(ref['centers'])} centers, {len(ref['cashiers'])} cashiers", started)
    _sql("SET session_replication_role = replica")  # no FK triggers during the bulk load
    _sql("SET maintenance_work_mem = '1GB'")  # index builds after the load
    _sql("SELECT setseed(0.42)")
    _without_indexes("accounts_account", lambda: _load_accounts(args.accounts, ref))
    _log(f"{args.accounts:,} accounts and meters", started)
    _without_indexes("billing_bill", lambda: _load_bills(args.accounts, ref))
    _log(f"{len(BILLED) * args.accounts:,} bills", started)
    _without_indexes("billing_meterreading", lambda: _load_readings(args.accounts))
    _log(f"{len(READ) * args.accounts:,} meter readings", started)

    def payments() -> None:
        step = 2_000_000
        for lo in range(1, args.payments + 1, step):
            hi = min(lo + step - 1, args.payments)
            _load_payments(lo, hi, args.accounts, args.days, today, ref)
            _log(f"payments {hi:,}", started)

    _without_indexes("collection_payment", payments)
    _sql("SELECT setval(pg_get_serial_sequence('collection_payment', 'id'), %s)", [args.payments])
    _log(f"{args.payments:,} payments, indexes rebuilt", started)
    _load_shifts(args.days, today, ref)
    _load_complaints(args.complaints, args.accounts, today)
    _sql("SET session_replication_role = DEFAULT")
    _log("shifts and complaints", started)
    _check_references()
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    for back in (3, 2, 1):
        settlement_run(actor=None, day=today - dt.timedelta(days=back))
    _log("analyzed; the last three days settled", started)
    return ref


def _check_references() -> None:
    """The bulk load skipped foreign-key triggers: prove no row points nowhere."""
    checks = {
        "payment.account": "SELECT count(*) FROM collection_payment p LEFT JOIN "
        "accounts_account a ON a.id = p.account_id WHERE a.id IS NULL",
        "payment.center": "SELECT count(*) FROM collection_payment p LEFT JOIN "
        "organizations_collectioncenter c ON c.id = p.center_id WHERE c.id IS NULL",
        "payment.cashier": "SELECT count(*) FROM collection_payment p LEFT JOIN "
        "organizations_user u ON u.id = p.cashier_id WHERE p.cashier_id IS NOT NULL "
        "AND u.id IS NULL",
        "bill.account": "SELECT count(*) FROM billing_bill b LEFT JOIN accounts_account a "
        "ON a.id = b.account_id WHERE a.id IS NULL",
        "reading.meter": "SELECT count(*) FROM billing_meterreading r LEFT JOIN accounts_meter m "
        "ON m.id = r.meter_id WHERE m.id IS NULL",
    }
    from django.db import connection

    with connection.cursor() as cur:
        for name, sql in checks.items():
            cur.execute(sql)
            missing = cur.fetchone()[0]
            assert missing == 0, f"{name}: {missing} rows point nowhere"


def _tail(start_id: int, count: int, args: argparse.Namespace, today: dt.date, ref: Any) -> None:
    """A minute of activity: new payments today, and a few reversals of older payments."""
    _load_payments(start_id, start_id + count - 1, args.accounts, 1, today, ref)
    _sql(
        "SELECT setval(pg_get_serial_sequence('collection_payment', 'id'), %s)", [start_id + count]
    )
    _sql(
        "UPDATE collection_payment SET status = 'reversed', reversed_at = now(), "
        "reversal_reason = 'duplicate' WHERE id IN (SELECT id FROM collection_payment "
        "WHERE status = 'posted' AND business_date = %s ORDER BY id LIMIT 20)",
        [today],
    )


def _ms(fn: Any, runs: int) -> float:
    fn()  # warm: the first call fills caches (names, translations)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def _dashboards(today: dt.date, settled: dt.date) -> dict[str, tuple[Any, str]]:
    from kuwwa.backoffice.periods import current_period
    from kuwwa.backoffice.selectors.bills import aging_page, rate_page
    from kuwwa.backoffice.selectors.collections import collections_page
    from kuwwa.backoffice.selectors.complaints import complaints_page
    from kuwwa.backoffice.selectors.matrix import matrix_page
    from kuwwa.backoffice.selectors.readings import readings_page
    from kuwwa.backoffice.selectors.staff import staff_page

    def period(u: Any) -> Any:
        return current_period(u, today=today)

    return {
        "collections": (
            lambda u: collections_page(user=u, period=period(u)),
            "/backoffice/",
        ),
        "rate": (lambda u: rate_page(user=u), "/backoffice/rate/"),
        "arrears": (lambda u: aging_page(user=u, today=today), "/backoffice/arrears/"),
        "matrix_today": (lambda u: matrix_page(user=u, day=today), "/backoffice/matrix/"),
        "matrix_settled": (
            lambda u: matrix_page(user=u, day=settled),
            f"/backoffice/matrix/?date={settled.isoformat()}",
        ),
        "centers": (
            lambda u: staff_page(user=u, period=period(u), key="cycle"),
            "/backoffice/centers/",
        ),
        "readings": (lambda u: readings_page(user=u), "/backoffice/readings/"),
        "complaints": (
            lambda u: complaints_page(user=u, period=period(u), key="cycle"),
            "/backoffice/complaints/",
        ),
    }


def _reference_ms(today: dt.date, runs: int) -> float:
    """What "collections this cycle by company" costs straight from the payments table."""
    from django.db import connection

    start_of_cycle = dt.date(2026, 10, 1) if today >= dt.date(2026, 10, 1) else today
    sql = (
        "SELECT company_id, count(*), sum(amount) FROM collection_payment "
        "WHERE status = 'posted' AND business_date BETWEEN %s AND %s GROUP BY company_id"
    )

    def run() -> None:
        with connection.cursor() as cur:
            cur.execute(sql, [start_of_cycle, today])
            cur.fetchall()

    return _ms(run, runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", default=os.environ.get("BENCH_DATABASE_URL"))
    parser.add_argument("--accounts", type=int, default=1_000_000)
    parser.add_argument("--payments", type=int, default=10_000_000)
    parser.add_argument("--days", type=int, default=365, help="days of payments")
    parser.add_argument("--complaints", type=int, default=50_000)
    parser.add_argument("--tail", type=int, default=1_000, help="new payments after refresh")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per dashboard")
    parser.add_argument(
        "--keep", action="store_true", help="keep the scratch database kuwwa_bench_reports"
    )
    args = parser.parse_args()
    if not args.db or not args.db.startswith("postgres"):
        parser.error("--db postgres://user@host:port/ is required (set-based PostgreSQL load)")
    os.environ.setdefault("KUWWA_LOG_LEVEL", "WARNING")
    fresh_database(args.db, "kuwwa_bench_reports")
    from django.test import Client
    from django.utils import timezone

    from kuwwa.backoffice.refresh import stats_refresh
    from kuwwa.core.clock import business_date
    from kuwwa.organizations.models import User

    today = business_date()
    print(
        f"loading {args.accounts:,} accounts, {args.payments:,} payments over {args.days} days",
        flush=True,
    )
    ref = _load(args, today)
    _sql("SET work_mem = '256MB'")  # the first refresh groups the whole year at once
    start = time.perf_counter()
    first = stats_refresh()
    refresh_s = time.perf_counter() - start
    _sql("RESET work_mem")  # the dashboards are timed with the server's defaults
    print(f"first stats-refresh: {refresh_s:.1f} s ({first.added})", flush=True)
    _tail(args.payments + 1, args.tail, args, today, ref)
    start = time.perf_counter()
    tail = stats_refresh(wait=False)
    tail_ms = (time.perf_counter() - start) * 1000
    print(
        f"lazy refresh of a {args.tail}-payment tail and {tail.reversals} reversals: "
        f"{tail_ms:.0f} ms",
        flush=True,
    )
    start = time.perf_counter()
    stats_refresh(wait=False)
    idle_ms = (time.perf_counter() - start) * 1000
    users = {
        "establishment": User.objects.get(username="est_admin"),
        "company": User.objects.get(username="c01_admin"),
    }
    settled = today - dt.timedelta(days=1)
    figures: dict[str, float] = {}
    for name, (selector, url) in _dashboards(today, settled).items():
        for scope, user in users.items():
            ms = _ms(lambda s=selector, u=user: s(u), args.runs)
            figures[f"{name}.{scope}.selector"] = ms
        client = Client()
        client.force_login(users["establishment"])

        def get(u: str = url, c: Client = client) -> None:
            response = c.get(u)
            assert response.status_code == 200, (u, response.status_code)

        figures[f"{name}.establishment.page"] = _ms(get, args.runs)
        print(
            f"{name:15} selector {figures[f'{name}.establishment.selector']:7.1f} ms "
            f"(company {figures[f'{name}.company.selector']:6.1f} ms), "
            f"whole page {figures[f'{name}.establishment.page']:7.1f} ms",
            flush=True,
        )
    reference = _reference_ms(today, args.runs)
    worst = max(figures.values())
    print(
        f"reference: one direct aggregate over {args.payments:,} payments "
        f"(this cycle by company) {reference:.0f} ms; worst dashboard {worst:.0f} ms; "
        f"an idle lazy refresh {idle_ms:.1f} ms",
        flush=True,
    )
    line = {
        "bench": "reports",
        "db": "postgresql",
        "accounts": args.accounts,
        "payments": args.payments,
        "first_refresh_s": round(refresh_s, 1),
        "tail_refresh_ms": round(tail_ms, 1),
        "idle_refresh_ms": round(idle_ms, 1),
        "dashboards_ms": {k: round(v, 1) for k, v in sorted(figures.items())},
        "ref": "direct aggregate over payments, this cycle by company",
        "ref_ms": round(reference, 1),
        "worst_ms": round(worst, 1),
        "target_ms": 300,
        "at": timezone.now().isoformat(timespec="seconds"),
    }
    print(json.dumps(line), flush=True)
    if args.keep:  # skip _db's exit hook, which drops the scratch database
        os._exit(0)


if __name__ == "__main__":
    main()
