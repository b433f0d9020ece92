"""Benchmark: the partner API over HTTP, against a production server on PostgreSQL.

Builds a scratch database (demo companies, sandbox partners, N billed accounts), starts a
production server on 127.0.0.1 (production settings, persistent database connections):
granian by default (N worker processes × T Python threads), or gunicorn (N sync workers).
It drives 32 concurrent signed clients (a lean event-loop load generator on
kept-alive connections) for a warm-up, runs ANALYZE, then measures for a fixed time: each client
inquires a random account and pays what its owner accepts. It prints payments/s,
inquiries/s, p50/p99 latencies and, as the reference measured in the same run, pgbench's
TPC-B-like rate with as many clients as the server has database connections (workers ×
threads). The load and the reference alternate --rounds times, because the machine's speed
drifts (adjacent runs see the same drift): the rates are the rounds' medians and the ratio the
median of the rounds' ratios, as in bench/payments.py; the latency percentiles are over every
request of every round. The last line is JSON.

    python bench/api_load.py --db postgres://postgres@127.0.0.1:5432/ [--rounds 3] \
        [--server granian --workers 2 --threads 4 | --server gunicorn --workers 4]

Needs granian and gunicorn (dependencies in pyproject). Stops by itself: each round's load
and reference run --seconds, the server is stopped and the scratch databases are dropped at
the end.
"""

from __future__ import annotations

import argparse
import atexit
import base64
import importlib.util
import json
import multiprocessing as mp
import os
import random
import secrets
import selectors
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _db import Pgbench, fresh_database

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/"


def _prepare(accounts: int) -> None:
    """Demo organisation (sandbox partners with their virtual centers), billed accounts."""
    from kuwwa.accounts.demo import demo_accounts_load
    from kuwwa.billing.cycles import cycle_open
    from kuwwa.billing.demo import demo_readings_load
    from kuwwa.billing.run import billing_run
    from kuwwa.organizations.demo import demo_organisation_setup
    from kuwwa.organizations.models import Company

    demo_organisation_setup()
    demo_accounts_load(count=accounts, seed=5)
    for company in Company.objects.distribution():
        cycle = cycle_open(actor=None, company=company, code="2026-06")
        demo_readings_load(company=company, cycle=cycle, seed=5)
        billing_run(actor=None, company=company, cycle=cycle)


def _keys() -> list[tuple[str, str]]:
    from kuwwa.organizations.models import Partner
    from kuwwa.partners.keys import partner_key_create

    return [
        (made.key.key_id, made.secret)
        for made in (
            partner_key_create(actor=None, partner=partner, label="bench")
            for partner in Partner.objects.filter(code__startswith="sandbox-")
        )
    ]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _server_env(encryption_key: str, rate: int) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "kuwwa.settings",
            "KUWWA_ENV": "production",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "KUWWA_RECEIPT_SIGNING_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
            "KUWWA_API_KEY_ENCRYPTION_KEY": encryption_key,
            "KUWWA_PARTNER_RATE_PER_MINUTE": str(rate),
            "KUWWA_SSL_REDIRECT": "0",
            "ALLOWED_HOSTS": "127.0.0.1",
            "DB_CONN_MAX_AGE": "300",
            "KUWWA_LOG_LEVEL": "ERROR",
        }
    )
    return env


def _server_command(server: str, workers: int, threads: int, port: int) -> list[str]:
    """gunicorn: N sync workers (one request at a time each, no keep-alive). granian: N
    worker processes with an HTTP server in Rust (keep-alive) and `threads` Python threads
    each, so one worker's threads overlap their waits on the database."""
    if server == "granian":
        return [
            sys.executable,
            "-m",
            "granian",
            "--interface",
            "wsgi",
            "--workers",
            str(workers),
            "--blocking-threads",
            str(threads),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-ws",
            "kuwwa.wsgi:application",
        ]
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "kuwwa.wsgi:application",
        "--workers",
        str(workers),
        "--bind",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
        "--timeout",
        "60",
        "--graceful-timeout",
        "5",
    ]


def _start_server(command: list[str], env: dict[str, str], log: Any) -> subprocess.Popen[bytes]:
    return subprocess.Popen(command, env=env, stdout=log, stderr=log, start_new_session=True)


def _wait_ready(port: int, server: subprocess.Popen[bytes], seconds: float = 60) -> None:
    import httpx

    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if server.poll() is not None:
            raise SystemExit(f"the server exited with {server.returncode}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v1/openapi.json").status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    raise SystemExit("the server did not start in time")


def _stop_server(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)  # the server's main process stops its workers
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)


class _Signer:
    def __init__(self, key_id: str, secret: str) -> None:
        self.key_id, self.secret = key_id, secret

    def headers(self, method: str, path: str, body: bytes) -> dict[str, str]:
        from kuwwa.partners.signing import sign_request

        stamp, nonce = str(int(time.time())), secrets.token_hex(16)
        signature = sign_request(
            secret=self.secret, method=method, path=path, timestamp=stamp, nonce=nonce, body=body
        )
        return {
            "X-Kuwwa-Key": self.key_id,
            "X-Kuwwa-Timestamp": stamp,
            "X-Kuwwa-Nonce": nonce,
            "X-Kuwwa-Signature": signature,
        }


def _amount(info: dict[str, Any], rng: random.Random) -> tuple[int, bool]:
    """What a teller would type: the whole due, or a part the owner accepts."""
    rule = info["allowed_amounts"]
    if rule["to_credit_only"]:
        return 100_00, True
    if rule["maximum"] is not None:
        return int(rule["maximum"]), False
    part = info["amount_due"] // rng.choice((1, 1, 2, 4))
    return max(int(rule["minimum"]), part, 1), False


def _parsed(data: bytes) -> tuple[int, bytes, bytes, bool] | None:
    """(status, body, what follows, the server closes) of the first whole response in `data`,
    or None while it is incomplete. Reads only the status line and the Content-Length and
    Connection headers: enough for the server's answers."""
    end = data.find(b"\r\n\r\n")
    if end < 0:
        return None
    head = data[:end].decode("latin-1").lower()
    length, close = 0, False
    for line in head.split("\r\n")[1:]:
        name, _sep, value = line.partition(":")
        if name == "content-length":
            length = int(value)
        elif name == "connection":
            close = value.strip() == "close"
    start = end + 4
    if len(data) < start + length:
        return None
    return int(head[9:12]), data[start : start + length], data[start + length :], close


class _Client:
    """One simulated teller: inquire a random account, pay what its owner accepts, again.

    The load generator shares the server's two cores, so whatever it spends per request is
    taken from the server being measured: httpx cost several times more than http.client,
    and http.client (threads, header parsing by the email package) still about a sixth of
    the machine. So a client is a small state machine on one kept-alive socket (reopened
    when the server closes it, as gunicorn's sync workers do after every response), and a
    process drives all its clients from one `selectors` loop: no thread switches.
    """

    def __init__(
        self, address: tuple[str, int], signer: _Signer, numbers: list[str], tag: str
    ) -> None:
        self.address, self.signer, self.numbers, self.tag = address, signer, numbers, tag
        self.host = f"Host: {address[0]}:{address[1]}\r\n"
        self.rng = random.Random(tag)
        self.sock: socket.socket | None = None
        self.buffer = b""
        self.paid = 0
        self.number = ""
        self.kind = ""  # "inquiry" or "payment": what the request in flight is
        self.started = 0.0
        self.out: dict[str, Any] = {
            "payments": 0,
            "refused": 0,
            "errors": 0,
            "payment_ms": [],
            "inquiry_ms": [],
        }

    def _send(
        self, selector: selectors.BaseSelector, method: str, path: str, body: bytes, extra: str = ""
    ) -> None:
        head = "".join(
            f"{name}: {value}\r\n"
            for name, value in self.signer.headers(method, path, body).items()
        )
        request = (
            f"{method} {path} HTTP/1.1\r\n{self.host}{head}{extra}"
            f"Content-Length: {len(body)}\r\n\r\n"
        ).encode() + body
        if self.sock is None:
            self.sock = socket.create_connection(self.address, timeout=60)
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.buffer = b""
            selector.register(self.sock, selectors.EVENT_READ, self)
        self.started = time.perf_counter()
        self.sock.sendall(request)  # a small request: the socket's buffer takes it at once

    def inquire(self, selector: selectors.BaseSelector) -> None:
        self.number = self.rng.choice(self.numbers)
        self.kind = "inquiry"
        self._send(selector, "GET", f"/api/v1/partner/accounts/{self.number}", b"")

    def _pay(self, selector: selectors.BaseSelector, info: dict[str, Any]) -> None:
        amount, to_credit = _amount(info, self.rng)
        self.paid += 1
        body = json.dumps(
            {"account_number": self.number, "amount": amount, "to_credit": to_credit}
        ).encode()
        self.kind = "payment"
        extra = f"Idempotency-Key: {self.tag}-{self.paid}\r\nContent-Type: application/json\r\n"
        self._send(selector, "POST", "/api/v1/partner/payments", body, extra)

    def close(self, selector: selectors.BaseSelector) -> None:
        if self.sock is not None:
            selector.unregister(self.sock)
            self.sock.close()
        self.sock, self.buffer = None, b""

    def readable(self, selector: selectors.BaseSelector, more: bool) -> bool:
        """Take what arrived; on a whole response, record it and send the next request (or,
        with no `more`, stop). True when this client has stopped."""
        assert self.sock is not None
        chunk = self.sock.recv(65536)
        if not chunk:
            self.out["errors"] += 1
            self.close(selector)
            if not more:
                return True
            self.inquire(selector)
            return False
        self.buffer += chunk
        parsed = _parsed(self.buffer)
        if parsed is None:
            return False
        status, body, self.buffer, server_closes = parsed
        elapsed = (time.perf_counter() - self.started) * 1000
        if server_closes:
            self.close(selector)
        self.out[f"{self.kind}_ms"].append(elapsed)
        if status >= 500:
            self.out["errors"] += 1
        elif self.kind == "payment":
            self.out["payments" if status == 201 else "refused"] += 1
        elif status != 200:
            self.out["refused"] += 1
        if not more:
            self.close(selector)
            return True
        if self.kind == "inquiry" and status == 200:
            info = json.loads(body)
            if info["payable"]:
                self._pay(selector, info)
                return False
        self.inquire(selector)
        return False


def _load_process(
    base: str,
    keys: list[tuple[str, str]],
    numbers: list[str],
    clients: int,
    seconds: float,
    proc: int,
    queue: Any,
) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
    host, port = base.removeprefix("http://").split(":")
    selector = selectors.DefaultSelector()
    tellers = [
        _Client(
            (host, int(port)),
            _Signer(*keys[(proc * clients + c) % len(keys)]),
            numbers,
            f"bench-{os.getpid()}-{c}",
        )
        for c in range(clients)
    ]
    start_at = time.perf_counter()
    end = start_at + seconds
    for teller in tellers:
        teller.inquire(selector)
    busy = len(tellers)
    while busy:  # after the end, each client finishes the request it has in flight
        events = selector.select(timeout=60)
        if not events:
            raise SystemExit("the server did not answer for 60 s")
        more = time.perf_counter() < end
        for event, _mask in events:
            if event.data.readable(selector, more):
                busy -= 1
    elapsed = time.perf_counter() - start_at
    queue.put(([teller.out for teller in tellers], elapsed))


def _analyze() -> None:
    """Statistics of the tables as they are now; the server's cached plans are invalidated
    and made again with them."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    connection.close()


def _drive(
    base: str, keys: list[tuple[str, str]], numbers: list[str], clients: int, seconds: float
) -> dict[str, Any]:
    procs_n = min(2, clients)  # an event loop each: two keep up with 32 clients
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    per = [clients // procs_n + (1 if i < clients % procs_n else 0) for i in range(procs_n)]
    procs = [
        ctx.Process(target=_load_process, args=(base, keys, numbers, per[i], seconds, i, queue))
        for i in range(procs_n)
    ]
    for p in procs:
        p.start()
    results = [queue.get(timeout=seconds + 180) for _ in procs]
    for p in procs:
        p.join(timeout=30)
    outs = [o for r in results for o in r[0]]
    return {
        "seconds": max(r[1] for r in results),
        "payments": sum(o["payments"] for o in outs),
        "payment_ms": [x for o in outs for x in o["payment_ms"]],
        "inquiry_ms": [x for o in outs for x in o["inquiry_ms"]],
        "refused": sum(o["refused"] for o in outs),
        "errors": sum(o["errors"] for o in outs),
    }


def _figures(loads: list[dict[str, Any]]) -> dict[str, Any]:
    """Rates and latency percentiles of one or more loads taken together."""
    seconds = sum(load["seconds"] for load in loads)
    pay = sorted(x for load in loads for x in load["payment_ms"])
    inq = sorted(x for load in loads for x in load["inquiry_ms"])

    def pct(values: list[float], q: float) -> float:
        return round(values[min(int(len(values) * q), len(values) - 1)], 2) if values else 0.0

    return {
        "payments_per_s": round(sum(load["payments"] for load in loads) / seconds, 1),
        "inquiries_per_s": round(len(inq) / seconds, 1),
        "payment_p50_ms": pct(pay, 0.5),
        "payment_p99_ms": pct(pay, 0.99),
        "inquiry_p50_ms": pct(inq, 0.5),
        "inquiry_p99_ms": pct(inq, 0.99),
        "refused": sum(load["refused"] for load in loads),
        "errors": sum(load["errors"] for load in loads),
    }


Round = tuple[dict[str, Any], dict[str, Any], float]  # the load, its figures, pgbench's TPS


def _summary(rounds: list[Round]) -> dict[str, Any]:
    """The rates are the rounds' medians (as the ratio is); the latencies are percentiles of
    every request of every round, so a slow round counts in full."""
    figures = _figures([load for load, _f, _r in rounds])
    for rate in ("payments_per_s", "inquiries_per_s"):
        figures[rate] = round(statistics.median(f[rate] for _l, f, _r in rounds), 1)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB))
    parser.add_argument("--accounts", type=int, default=5000)
    parser.add_argument("--server", choices=("granian", "gunicorn"), default="granian")
    parser.add_argument(
        "--workers", type=int, default=2, help="server worker processes (gunicorn: try 4)"
    )
    parser.add_argument(
        "--threads", type=int, default=4, help="granian: Python threads per worker process"
    )
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument(
        "--warmup",
        type=float,
        default=5,
        help="seconds of load before the measurement, followed by ANALYZE (0: none)",
    )
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="alternate the load and the reference this many times; report the medians",
    )
    parser.add_argument(
        "--rate-limit",
        type=int,
        default=0,
        help="KUWWA_PARTNER_RATE_PER_MINUTE for the server (0: off, so the limit does not cap "
        "the measurement)",
    )
    args = parser.parse_args()
    if not args.db.startswith("postgres"):
        raise SystemExit("--db must be a postgres:// server URL")
    if args.rounds < 1:
        raise SystemExit("--rounds must be at least 1")
    if importlib.util.find_spec(args.server) is None:
        raise SystemExit(f"{args.server} is not installed (it is in pyproject's dependencies)")
    os.environ.setdefault("KUWWA_LOG_LEVEL", "WARNING")
    encryption_key = base64.b64encode(secrets.token_bytes(32)).decode()
    os.environ["KUWWA_API_KEY_ENCRYPTION_KEY"] = encryption_key
    fresh_database(args.db, "kuwwa_bench_api")
    from django.db import connections

    from kuwwa.accounts.models import Account

    print(f"preparing {args.accounts} billed accounts ...", flush=True)
    _prepare(args.accounts)
    keys = _keys()
    numbers = list(Account.objects.values_list("number", flat=True))
    connections.close_all()
    # The reference gets as many database connections as the server could use.
    connections_used = args.workers * (args.threads if args.server == "granian" else 1)
    pgbench = Pgbench(args.db, "kuwwa_bench_api_pgbench")
    atexit.register(pgbench.drop)  # also if the server does not start

    port = _free_port()
    log_path = Path(tempfile.mkdtemp(prefix="kuwwa-api-load-")) / "server.log"
    log = log_path.open("wb")
    command = _server_command(args.server, args.workers, args.threads, port)
    server = _start_server(command, _server_env(encryption_key, args.rate_limit), log)
    rounds: list[Round] = []
    try:
        _wait_ready(port, server)
        print(
            f"{args.server} {args.workers} workers on 127.0.0.1:{port}; "
            f"{args.clients} clients for {args.warmup:.0f} s of warm-up, then {args.rounds} "
            f"rounds of {args.seconds:.0f} s, each followed by pgbench's ...",
            flush=True,
        )
        base = f"http://127.0.0.1:{port}"
        if args.warmup > 0:
            # A system in service has payments and statistics on them: without this the
            # server's connections would plan their statements on empty tables (a sequential
            # scan of the receipts, say) and keep those plans while the tables grow.
            _drive(base, keys, numbers, args.clients, args.warmup)
            _analyze()
        for number in range(1, args.rounds + 1):
            load = _drive(base, keys, numbers, args.clients, args.seconds)
            ref = pgbench.run(connections_used, int(args.seconds))
            measured = _figures([load])
            rounds.append((load, measured, ref))
            print(
                f"round {number}: {measured['payments_per_s']:,.0f} payments/s, inquiry p99 "
                f"{measured['inquiry_p99_ms']} ms; pgbench {ref:,.0f} TPS; ratio "
                f"{measured['payments_per_s'] / ref if ref else 0:.3f}",
                flush=True,
            )
    finally:
        _stop_server(server)
        log.close()
        pgbench.drop()
    figures = _summary(rounds)
    ref = statistics.median(r for _l, _f, r in rounds)
    errors = [ln for ln in log_path.read_text(errors="replace").splitlines() if "Traceback" in ln]
    if errors or figures["errors"]:
        print(f"server errors: see {log_path}")
    from kuwwa.ledger.selectors import ledger_check

    ledger_ok = ledger_check().ok
    connections.close_all()
    ratios = [f["payments_per_s"] / r for _l, f, r in rounds if r]
    line = {
        "bench": "api_load",
        "db": "postgresql",
        "server": "granian wsgi" if args.server == "granian" else "gunicorn sync",
        "server_workers": args.workers,
        "server_threads": args.threads if args.server == "granian" else 1,
        "clients": args.clients,
        "seconds": args.seconds,
        "rounds": len(rounds),
        **figures,
        "ledger_ok": ledger_ok,
        "ref": f"pgbench tpcb-like -c {connections_used}",
        "ref_per_s": round(ref, 1),
        "ratio": round(statistics.median(ratios), 3) if ratios else None,
        "round_ratios": [round(r, 3) for r in ratios],
    }
    print(
        f"medians of {len(rounds)} rounds: "
        f"{figures['payments_per_s']:,.0f} payments/s (p50 {figures['payment_p50_ms']} ms, "
        f"p99 {figures['payment_p99_ms']} ms), {figures['inquiries_per_s']:,.0f} inquiries/s "
        f"(p50 {figures['inquiry_p50_ms']} ms, p99 {figures['inquiry_p99_ms']} ms); "
        f"refused {figures['refused']}, errors {figures['errors']}; ledger "
        f"{'balanced' if ledger_ok else 'NOT BALANCED'}; pgbench {ref:,.0f} TPS; ratio "
        f"{line['ratio']}"
    )
    print(json.dumps(line))


if __name__ == "__main__":
    main()
