"""Crash harness: pay under faults, then prove nothing was lost or paid twice.

A production server (gunicorn, several workers) runs against a scratch database. Client
threads pay random bills of random companies, half through the partner API (signed, with an
Idempotency-Key) and half through the counter screens (a logged-in cashier with an open
shift), retrying the same key after any failure until they get an answer. Meanwhile the
app workers are SIGKILLed repeatedly and PostgreSQL is restarted with an immediate stop.
Afterwards:

- every acknowledged payment exists exactly once, and no key has two payments;
- the ledger balances, the sub-ledger equals the control account, bills equal receivables;
- no bill is over-allocated; every shift's cash account equals float + cash − reversals −
  handovers; the day's settlement nets to zero.

    python bench/chaos.py --db postgres://postgres@127.0.0.1:5432/ --seconds 60
    python bench/chaos.py --seconds 30            # SQLite, app kills only

The last line is one JSON object with requests, acknowledged, kills, restarts, lost and
duplicated; the exit code is 1 when anything was lost or duplicated or a check failed.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(ROOT / "docs" / "examples"))

from _db import fresh_database  # noqa: E402 - after the path set-up above

PASSWORD = "chaos-pass-2026"  # noqa: S105 - scratch database only
RECEIPT = re.compile(r"\d{2}-\d{4}-\d{4}-\d{6}")


@dataclass
class Tally:
    requests: int = 0
    acknowledged: dict[str, str] = field(default_factory=dict)  # key -> receipt number
    refused: int = 0
    gave_up: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _prepare(accounts: int, cashiers: int) -> dict[str, Any]:
    from django.contrib.auth.models import Group

    from kuwwa.accounts.demo import demo_accounts_load
    from kuwwa.billing.cycles import cycle_open
    from kuwwa.billing.demo import demo_readings_load
    from kuwwa.billing.models import Bill
    from kuwwa.billing.run import billing_run
    from kuwwa.cashiering.services import shift_open
    from kuwwa.organizations.demo import demo_organisation_setup
    from kuwwa.organizations.models import CollectionCenter, Company, Partner, User
    from kuwwa.partners.keys import partner_key_create

    demo_organisation_setup()
    demo_accounts_load(count=accounts, seed=9)
    for company in Company.objects.distribution():
        cycle = cycle_open(actor=None, company=company, code="2026-06")
        demo_readings_load(company=company, cycle=cycle, seed=9)
        billing_run(actor=None, company=company, cycle=cycle)
    rng = random.Random(9)
    centers = list(CollectionCenter.objects.filter(kind="counter"))
    names = []
    for n in range(cashiers):
        center = rng.choice(centers)
        user = User.objects.create(
            username=f"chaos{n}", scope_kind="center", company=center.company, center=center
        )
        user.set_password(PASSWORD)
        user.save()
        user.groups.add(Group.objects.get(name="cashier"))
        shift_open(actor=user, opening_float=0)
        names.append(user.username)
    key = partner_key_create(actor=None, partner=Partner.objects.get(code="sandbox-bank"))
    bills = list(
        Bill.objects.filter(status="open", total__gt=0).values_list("account__number", "total")
    )
    return {"cashiers": names, "key_id": key.key.key_id, "secret": key.secret, "bills": bills}


class Server:
    """gunicorn with sync workers; the master respawns any worker that is killed."""

    def __init__(self, workers: int, env: dict[str, str]) -> None:
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "kuwwa.wsgi",
                "--workers",
                str(workers),
                "--bind",
                f"127.0.0.1:{self.port}",
                "--timeout",
                "30",
                "--graceful-timeout",
                "5",
                "--log-level",
                "warning",
            ],
            env=env,
            cwd=ROOT,
        )
        self.kills = 0

    def wait_ready(self, timeout: float = 60) -> None:
        import httpx

        end = time.time() + timeout
        while time.time() < end:
            try:
                if httpx.get(self.base + "/healthz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        raise RuntimeError("server did not start")

    def workers(self) -> list[int]:
        out = subprocess.run(["pgrep", "-P", str(self.proc.pid)], capture_output=True, text=True)
        return [int(p) for p in out.stdout.split()]

    def kill_one(self, rng: random.Random) -> None:
        pids = self.workers()
        if pids:
            os.kill(rng.choice(pids), signal.SIGKILL)
            self.kills += 1

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def _pg_restart() -> bool:
    versions = sorted(os.listdir("/etc/postgresql")) if os.path.isdir("/etc/postgresql") else []
    if not versions:
        return False
    result = subprocess.run(
        [
            "pg_ctlcluster",
            "--skip-systemctl-redirect",
            versions[-1],
            "main",
            "restart",
            "-m",
            "immediate",
        ],
        capture_output=True,
    )
    return result.returncode == 0


def _partner_client(
    base: str, setup: dict[str, Any], tally: Tally, stop: threading.Event, seed: int
) -> None:
    from partner_client import KuwwaError, KuwwaPartnerClient

    rng = random.Random(seed)
    client = KuwwaPartnerClient(base, key_id=setup["key_id"], secret=setup["secret"], timeout=10)
    while not stop.is_set():
        number, total = rng.choice(setup["bills"])
        key = f"chaos-p{seed}-{uuid.uuid4().hex[:12]}"
        amount = max(total // rng.choice((1, 2, 5)), 100)
        deadline = time.time() + 60
        while time.time() < deadline:
            with tally.lock:
                tally.requests += 1
            try:
                answer = client.pay(key, number, amount, to_credit=rng.random() < 0.2, attempts=1)
            except KuwwaError as exc:
                if exc.status >= 500 or exc.code == "REQUEST_IN_FLIGHT":
                    time.sleep(exc.retry_after or 0.5)
                    continue
                with tally.lock:
                    tally.refused += 1
                break
            except Exception:  # connection reset by a killed worker or a restarting database
                time.sleep(0.3)
                continue
            with tally.lock:
                tally.acknowledged[key] = answer.get("receipt_number", "")
            break
        else:
            with tally.lock:
                tally.gave_up += 1
    client.close()


def _counter_client(
    base: str, username: str, setup: dict[str, Any], tally: Tally, stop: threading.Event, seed: int
) -> None:
    import httpx

    rng = random.Random(seed)
    http = httpx.Client(base_url=base, timeout=10, follow_redirects=False)

    def login() -> None:
        while not stop.is_set():
            try:
                http.get("/login/")
                token = http.cookies.get("csrftoken") or ""
                http.post(
                    "/login/",
                    data={"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token},
                    headers={"Referer": base + "/login/"},
                )
                if http.cookies.get("sessionid"):
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.5)

    login()
    while not stop.is_set():
        number, total = rng.choice(setup["bills"])
        key = f"chaos-c{seed}-{uuid.uuid4().hex[:12]}"
        amount = max(total // rng.choice((1, 2, 5)), 100)
        form = {
            "account_number": number,
            "client_reference": key,
            "amount": f"{amount // 100}.{amount % 100:02d}",
            "tender": "cash",
            "to_credit": "on" if rng.random() < 0.2 else "",
        }
        deadline = time.time() + 60
        while time.time() < deadline:
            with tally.lock:
                tally.requests += 1
            try:
                token = http.cookies.get("csrftoken") or ""
                response = http.post(
                    "/counter/pay/",
                    data={**form, "csrfmiddlewaretoken": token},
                    headers={
                        "X-CSRFToken": token,
                        "HX-Request": "true",
                        "Referer": base + "/counter/",
                    },
                )
            except httpx.HTTPError:
                time.sleep(0.3)
                continue
            if response.status_code in (302, 403):
                login()
                continue
            if response.status_code >= 500:
                time.sleep(0.3)
                continue
            found = RECEIPT.search(response.text)
            with tally.lock:
                if found:
                    tally.acknowledged[key] = found.group(0)
                else:
                    tally.refused += 1
            break
        else:
            with tally.lock:
                tally.gave_up += 1
    http.close()


def _checks(tally: Tally) -> dict[str, Any]:
    from django.db import connections
    from django.db.models import F, Sum

    connections.close_all()
    from kuwwa.billing.models import Bill
    from kuwwa.billing.selectors import receivables_mismatches
    from kuwwa.cashiering.models import Handover, Shift
    from kuwwa.cashiering.services import shift_expected_cash
    from kuwwa.collection.models import Allocation, Payment
    from kuwwa.core.clock import business_date
    from kuwwa.ledger.selectors import ledger_check
    from kuwwa.settlement.services import settlement_run

    # A partner's key is stored as "<partner code>:<key>", a counter's as it is.
    by_key: dict[str, list[str]] = {}
    for reference, number in Payment.objects.filter(
        client_reference__contains="chaos-"
    ).values_list("client_reference", "receipt_number"):
        by_key.setdefault(reference.split(":", 1)[-1], []).append(number)
    lost = [k for k in tally.acknowledged if not by_key.get(k)]
    duplicated = sum(1 for numbers in by_key.values() if len(numbers) > 1)
    wrong_receipt = [
        k
        for k, number in tally.acknowledged.items()
        if number and by_key.get(k) and by_key[k] != [number]
    ]
    books = ledger_check()
    over = Bill.objects.filter(paid__gt=F("total") + F("adjusted")).exclude(paid=0).count()
    allocation_mismatch = 0
    for bill in Bill.objects.filter(paid__gt=0).only("pk", "paid", "credit_applied"):
        allocated = (
            Allocation.objects.filter(bill_id=bill.pk, payment__status="posted").aggregate(
                s=Sum("amount")
            )["s"]
            or 0
        )
        allocation_mismatch += int(allocated + bill.credit_applied != bill.paid)
    shifts_off = 0
    for shift in Shift.objects.all():
        cash = (
            Payment.objects.filter(shift_id=shift.pk, tender="cash", status="posted").aggregate(
                s=Sum("amount")
            )["s"]
            or 0
        )
        handed = (
            Handover.objects.filter(shift=shift, status="confirmed").aggregate(s=Sum("amount"))["s"]
            or 0
        )
        shifts_off += int(shift_expected_cash(shift=shift) != shift.opening_float + cash - handed)
    run = settlement_run(actor=None, day=business_date(), force=True)
    nets = sum(p.net for p in run.positions.all())
    books_after = ledger_check()
    return {
        "lost": len(lost),
        "duplicated": duplicated,
        "wrong_receipt": len(wrong_receipt),
        "ledger_ok": books.ok and books_after.ok,
        "bills_match_receivables": not receivables_mismatches(),
        "over_allocated": over,
        "allocation_mismatch": allocation_mismatch,
        "shift_cash_mismatch": shifts_off,
        "settlement_net": nets,
        "payments_in_db": Payment.objects.count(),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", default=os.environ.get("BENCH_DATABASE_URL"))
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--clients", type=int, default=8, help="half partner, half counter")
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--accounts", type=int, default=3000)
    parser.add_argument("--kill-every", type=float, default=3.0)
    parser.add_argument("--pg-restarts", type=int, default=2)
    parser.add_argument("--name", default="kuwwa_bench_chaos")
    args = parser.parse_args()
    os.environ.setdefault("KUWWA_LOG_LEVEL", "WARNING")
    fresh_database(args.db, args.name)
    from django.db import connection, connections

    postgres = connection.vendor == "postgresql"
    counter_clients = args.clients // 2
    setup = _prepare(args.accounts, counter_clients)
    connections.close_all()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "kuwwa.settings",
        "KUWWA_DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "KUWWA_LOGIN_MAX_FAILURES": "1000",
        "PYTHONPATH": str(ROOT / "src"),
    }
    server = Server(args.workers, env)
    server.wait_ready()
    tally = Tally()
    stop = threading.Event()
    threads = [
        threading.Thread(
            target=_counter_client, args=(server.base, setup["cashiers"][i], setup, tally, stop, i)
        )
        for i in range(counter_clients)
    ] + [
        threading.Thread(target=_partner_client, args=(server.base, setup, tally, stop, 100 + i))
        for i in range(args.clients - counter_clients)
    ]
    for t in threads:
        t.start()
    rng = random.Random(1)
    restarts = 0
    restart_at = (
        [args.seconds * (k + 1) / (args.pg_restarts + 1) for k in range(args.pg_restarts)]
        if postgres
        else []
    )
    start = time.time()
    next_kill = start + args.kill_every
    while time.time() - start < args.seconds:
        now = time.time()
        if now >= next_kill:
            server.kill_one(rng)
            next_kill = now + args.kill_every
        if restart_at and now - start >= restart_at[0]:
            restart_at.pop(0)
            restarts += int(_pg_restart())
        time.sleep(0.1)
    stop.set()
    for t in threads:
        t.join(timeout=90)
    server.wait_ready()
    server.stop()
    figures = _checks(tally)
    summary = {
        "bench": "chaos",
        "db": "postgresql" if postgres else "sqlite",
        "seconds": args.seconds,
        "requests": tally.requests,
        "acknowledged": len(tally.acknowledged),
        "refused": tally.refused,
        "gave_up": tally.gave_up,
        "kills": server.kills,
        "restarts": restarts,
        **figures,
    }
    print(
        f"{summary['db']}: {tally.requests} requests, {len(tally.acknowledged)} acknowledged, "
        f"{server.kills} worker kills, {restarts} database restarts; "
        f"lost {figures['lost']}, duplicated {figures['duplicated']}"
    )
    print(json.dumps(summary))
    healthy = (
        figures["lost"] == 0
        and figures["duplicated"] == 0
        and figures["wrong_receipt"] == 0
        and figures["ledger_ok"]
        and figures["bills_match_receivables"]
        and figures["over_allocated"] == 0
        and figures["allocation_mismatch"] == 0
        and figures["shift_cash_mismatch"] == 0
        and figures["settlement_net"] == 0
    )
    return 0 if healthy else 1


if __name__ == "__main__":
    sys.exit(main())
