"""The billing run: bills with lines and ledger postings; estimates without a reading;
a killed run resumed gives the same result; nothing is billed twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client

from kuwwa.accounts.demo import demo_accounts_load
from kuwwa.accounts.models import Account
from kuwwa.billing.cycles import cycle_open
from kuwwa.billing.demo import demo_readings_load
from kuwwa.billing.models import Bill, BillingCycle, BillingRun, MeterReading
from kuwwa.billing.readings import reading_submit
from kuwwa.billing.run import billing_run
from kuwwa.billing.selectors import bills_outstanding_by_company
from kuwwa.ledger import chart
from kuwwa.ledger.models import JournalEntry, Posting
from kuwwa.ledger.selectors import ledger_balance, ledger_check, subscriber_balance
from kuwwa.organizations.models import Company

pytestmark = pytest.mark.django_db


def test_a_reading_becomes_a_bill_with_band_lines_and_ledger_postings(
    make_account, open_cycle, in_window
):
    account = make_account("01")
    cycle = open_cycle()
    reading_submit(
        actor=None, account=account, value=450, read_on=in_window(cycle), source="reader"
    )
    result = billing_run(actor=None, company=account.company, cycle=cycle)
    assert result.bills_created == 1
    bill = Bill.objects.get(account=account, cycle=cycle)
    energy = [(line.kwh, line.amount) for line in bill.line_items if line.kind == "energy"]
    assert energy == [(300, 300 * 600_00), (150, 150 * 1400_00)]
    others = sum(line.amount for line in bill.line_items if line.kind != "energy")
    assert bill.total == 390_000_00 + others
    assert [line.unit_price for line in bill.line_items[:2]] == [Decimal(600), Decimal(1400)]
    assert bill.number.startswith("01202606") and len(bill.number) == 15
    assert not bill.estimated and bill.status == Bill.Status.OPEN
    assert (bill.previous_reading, bill.current_reading) == (0, 450)
    assert subscriber_balance(company_id=account.company_id, subscriber_id=account.pk) == bill.total
    assert (
        ledger_balance(company_id=account.company_id, code=chart.revenue("household"))
        == -390_000_00
    )
    cycle.refresh_from_db()
    assert cycle.state == BillingCycle.State.ISSUED
    assert ledger_check().ok


def test_no_reading_means_an_estimated_bill_trued_up_by_the_next_actual(
    make_account, open_cycle, in_window, billed_cycle
):
    account = make_account("01")
    billed_cycle(account, "2026-02", 600)
    second = open_cycle("2026-04")
    billing_run(actor=None, company=account.company, cycle=second)
    estimated = Bill.objects.get(account=account, cycle=second)
    assert estimated.estimated
    assert estimated.consumption_kwh == round(600 / 59 * 61)
    assert MeterReading.objects.get(account=account, cycle=second).source == "estimated"
    assert (estimated.previous_reading, estimated.current_reading) == (600, 600 + 620)
    third = open_cycle("2026-06")
    # The actual reading is below the estimate: the next bill credits the difference.
    outcome = reading_submit(
        actor=None, account=account, value=1000, read_on=in_window(third), source="reader"
    )
    assert "estimate_true_up" in outcome.reading.flags
    billing_run(actor=None, company=account.company, cycle=third)
    trued = Bill.objects.get(account=account, cycle=third)
    assert (trued.previous_reading, trued.current_reading) == (1220, 1000)
    assert trued.consumption_kwh == 1000 - (600 + estimated.consumption_kwh)
    (correction,) = [line for line in trued.line_items if line.kind == "correction"]
    assert correction.amount < 0
    assert ledger_check().ok


def test_running_twice_bills_nothing_twice(open_cycle):
    demo_accounts_load(count=200, seed=11)
    cycle = open_cycle()
    company = cycle.company
    first = billing_run(actor=None, company=company, cycle=cycle, chunk=7)
    active = Account.objects.filter(company=company, status="active").count()
    assert first.bills_created == active == Bill.objects.filter(cycle=cycle).count()
    again = billing_run(actor=None, company=company, cycle=cycle, chunk=7)
    assert again.bills_created == 0
    assert Bill.objects.filter(cycle=cycle).count() == active


def test_an_interrupted_run_resumes_to_the_same_result(open_cycle, in_window):
    demo_accounts_load(count=300, seed=12)
    cycle = open_cycle()
    company = cycle.company
    for n, account in enumerate(Account.objects.filter(company=company, status="active")[:40]):
        reading_submit(
            actor=None,
            account=account,
            value=100 + n * 17,
            read_on=in_window(cycle),
            source="reader",
        )

    class Killed(Exception):
        pass

    def die_after_two_chunks(done: int, total: int) -> None:
        if done >= 20:
            raise Killed

    with pytest.raises(Killed):
        billing_run(
            actor=None, company=company, cycle=cycle, chunk=10, progress=die_after_two_chunks
        )
    run = BillingRun.objects.get(cycle=cycle)
    assert run.state == BillingRun.State.RUNNING and Bill.objects.filter(cycle=cycle).count() == 20
    billing_run(actor=None, company=company, cycle=cycle, chunk=10)
    bills = list(Bill.objects.filter(cycle=cycle).order_by("account_id"))
    active = list(
        Account.objects.filter(company=company, status="active")
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    assert [b.account_id for b in bills] == active
    # Numbers are consecutive in account order, with no gap, as an uninterrupted run gives.
    assert [int(b.number[-7:]) for b in bills] == list(range(1, len(active) + 1))
    assert ledger_check().ok
    assert bills_outstanding_by_company()[company.pk] > 0
    assert bills_outstanding_by_company()[company.pk] == ledger_balance(
        company_id=company.pk, code=chart.RECEIVABLES
    )


def test_a_chunk_of_bills_is_one_journal_entry_with_a_line_per_subscriber(open_cycle):
    demo_accounts_load(count=300, seed=13)
    cycle = open_cycle()
    company = cycle.company
    demo_readings_load(company=company, cycle=cycle, seed=13)
    run = billing_run(actor=None, company=company, cycle=cycle, chunk=7).run
    bills = list(Bill.objects.filter(cycle=cycle).order_by("account_id"))
    entries = list(JournalEntry.objects.filter(company=company, kind="bills").order_by("pk"))
    assert len(entries) == -(-len(bills) // 7)
    assert {(e.source_type, e.source_id) for e in entries} == {("billing_run", run.pk)}
    assert entries[0].memo == f"bills {bills[0].number}–{bills[6].number} (7)"
    receivable = {
        p.subscriber_id: p.amount
        for p in Posting.objects.filter(entry__in=entries, ledger_account__code=chart.RECEIVABLES)
    }
    assert receivable == {b.account_id: b.total for b in bills if b.total > 0}
    assert ledger_check().ok


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_all_companies_are_billed_by_parallel_workers() -> None:
    """`kuwwa billing-run --company all --jobs 2`: every company's active accounts billed once,
    each in a worker process of its own, and the books balance."""
    demo_accounts_load(count=150, seed=14)
    companies = list(Company.objects.distribution()[:3])
    for company in companies:
        cycle_open(actor=None, company=company, code="2026-06")
    out = StringIO()
    call_command(
        "billing_run", company="all", cycle="2026-06", jobs=2, no_progress=True, stdout=out
    )
    assert out.getvalue().strip().endswith("3 companies billed")
    for company in companies:
        active = Account.objects.filter(company=company, status="active").count()
        assert active and Bill.objects.filter(company=company).count() == active
        assert BillingCycle.objects.get(company=company).state == BillingCycle.State.ISSUED
    assert not Bill.objects.exclude(company__in=companies).exists()
    assert ledger_check().ok


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the kill test drives a file database")
def test_a_killed_billing_process_is_finished_by_a_rerun(tmp_path: Path) -> None:
    """SIGKILL a real `kuwwa billing-run` mid-run, run it again, and check the books."""
    env = {
        **os.environ,
        "KUWWA_VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path}/k.sqlite3",
    }
    kuwwa = [sys.executable, "-m", "kuwwa.cli"]

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*kuwwa, *args], env=env, capture_output=True, text=True, check=True)

    run("migrate", "--noinput")
    run("demo-data", "--accounts", "3000", "--seed", "5", "--no-progress")
    run("cycle-open", "--company", "03", "--cycle", "2026-06")
    proc = subprocess.Popen(
        [
            *kuwwa,
            "billing-run",
            "--company",
            "03",
            "--cycle",
            "2026-06",
            "--chunk",
            "20",
            "--no-progress",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    import sqlite3

    deadline = time.time() + 60
    done = 0
    while time.time() < deadline and proc.poll() is None:
        with sqlite3.connect(tmp_path / "k.sqlite3", timeout=30) as db:
            row = db.execute("SELECT accounts_done FROM billing_billingrun").fetchone()
        done = row[0] if row else 0
        if done >= 60:
            break
        time.sleep(0.02)
    assert proc.poll() is None, "the run finished before it could be killed; make it bigger"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    run("billing-run", "--company", "03", "--cycle", "2026-06", "--no-progress")
    check = run("ledger-check")
    assert "passed" in check.stdout
    with sqlite3.connect(tmp_path / "k.sqlite3") as db:
        bills, distinct = db.execute(
            "SELECT COUNT(*), COUNT(DISTINCT account_id) FROM billing_bill"
        ).fetchone()
        active = db.execute(
            "SELECT COUNT(*) FROM accounts_account a JOIN organizations_company c ON c.id = a.company_id"
            " WHERE c.code = '03' AND a.status = 'active'"
        ).fetchone()[0]
        numbers = [r[0] for r in db.execute("SELECT number FROM billing_bill ORDER BY account_id")]
    assert bills == distinct == active
    assert [int(n[-7:]) for n in numbers] == list(range(1, active + 1))


def test_the_back_office_shows_a_bills_lines(make_account, open_cycle, in_window, make_user):
    account = make_account("01")
    cycle = open_cycle()
    reading_submit(
        actor=None, account=account, value=450, read_on=in_window(cycle), source="reader"
    )
    billing_run(actor=None, company=account.company, cycle=cycle)
    bill = Bill.objects.get(account=account, cycle=cycle)
    client = Client()
    client.force_login(make_user(None))  # only the establishment's superusers see bills here
    page = client.get(f"/admin/billing/bill/{bill.pk}/change/", headers={"accept-language": "ar"})
    assert page.status_code == 200
    html = page.content.decode()
    for line in bill.line_items:
        assert line.label_ar in html
    assert "<td>300</td><td>600</td>" in html and "<td>150</td><td>1400</td>" in html
