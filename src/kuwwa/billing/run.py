"""The billing run: turn a cycle's readings into bills for every active account of a company.

It works in chunks of accounts ordered by id; each chunk is one transaction that creates the
bills, their lines, any estimated readings and the ledger entries together, then records how
far the run got. A killed run is simply run again: it resumes after the last committed chunk,
and (account, cycle) is unique, so nothing is billed twice. Bill numbers come from a gapless
per-cycle counter in account order, so an interrupted run ends with the same numbers as an
uninterrupted one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, NamedTuple

from django.db import transaction
from django.db.models import Max, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kuwwa.accounts.models import Account, Meter
from kuwwa.billing.models import Bill, BillingCycle, BillingRun, BillLine, MeterReading, Tariff
from kuwwa.billing.readings import estimated_kwh, history_daily_kwh
from kuwwa.billing.tariffs import TariffSpec, tariff_compute, tariff_spec, tariffs_in_force_map
from kuwwa.core.audit import audit_record
from kuwwa.core.bulk import bulk_insert
from kuwwa.core.counters import counter_next
from kuwwa.core.errors import Conflict
from kuwwa.core.lookups import among
from kuwwa.core.money import currency, round_to_minor
from kuwwa.ledger import chart
from kuwwa.ledger.models import Posting
from kuwwa.ledger.services import EntrySpec, Line, journal_post_bulk
from kuwwa.organizations.models import Company

CHUNK = 1000
BillingState = BillingCycle.State


class _Lines(NamedTuple):
    """A bill's lines, the same as JSON, their total and its energy part (the rest is fixed
    charges and fees). Bills of the same tariff and consumption share one instance, so these
    are worked out, and `bulk_insert` encodes the JSON, once per (tariff, kWh)."""

    items: tuple[BillLine, ...]
    json: list[dict[str, Any]]
    total: int
    energy: int


_ENERGY_KINDS = (BillLine.ENERGY, BillLine.CORRECTION)


def _lines_of(items: tuple[BillLine, ...]) -> _Lines:
    return _Lines(
        items,
        [line.as_json() for line in items],
        sum(line.amount for line in items),
        sum(line.amount for line in items if line.kind in _ENERGY_KINDS),
    )


_NO_LINES = _lines_of(())


class _Account(NamedTuple):
    pk: int
    category: str


class _Meter(NamedTuple):
    pk: int
    initial_reading: int
    multiplier: int
    digits: int


class _Reading(NamedTuple):
    pk: int
    meter_id: int
    value: int
    consumption_kwh: int | None


# The run reads a million of each: plain tuples, not model instances.
_ACCOUNT = ("pk", "category")
_METER = ("account_id", "pk", "initial_reading", "multiplier", "digits")
_READING = ("account_id", "pk", "meter_id", "value", "consumption_kwh")


@dataclass
class _Draft:
    account: _Account
    meter: _Meter | None
    reading: _Reading | None
    previous: int | None
    current: int | None
    kwh: int
    estimated: bool
    tariff: Tariff
    lines: _Lines = _NO_LINES  # priced once every draft of the chunk is known

    @property
    def total(self) -> int:
        return self.lines.total


def bill_number(company_code: str, cycle: BillingCycle, seq: int) -> str:
    """Digits only (scanners type digits the same on any keyboard layout): CC YYYYMM NNNNNNN."""
    return f"{company_code}{cycle.period_start:%Y%m}{seq:07d}"


def _correction(account_id: int, kwh: int) -> BillLine:
    """Credit for kWh over-billed on an earlier estimate, at that bill's average energy price."""
    last = (
        Bill.objects.filter(account_id=account_id, estimated=True)
        .defer(None)
        .order_by("-cycle__period_start")
        .first()
    )
    energy = 0
    billed_kwh = 0
    if last is not None:
        energy = sum(line.amount for line in last.line_items if line.kind == BillLine.ENERGY)
        billed_kwh = last.consumption_kwh
    # Average energy price of the estimated bill, in major units per kWh.
    price = Decimal(energy) / billed_kwh / currency().factor if billed_kwh else Decimal(0)
    return BillLine(
        kind=BillLine.CORRECTION,
        code="estimate_correction",
        label_ar="تصحيح قراءة تقديرية سابقة",
        label_en="correction of an earlier estimated reading",
        kwh=kwh,
        unit_price=price.quantize(Decimal("0.0001")) if price else None,
        amount=round_to_minor(Decimal(kwh) * price),
    )


@dataclass
class PriceBook:
    """Lines priced once per (tariff, kWh), from each tariff's arithmetic read once: bills
    share their consumption with many others, and lines are immutable. One per run, or one
    shared by the runs of one command (`billing-run --company all` keeps one per worker)."""

    specs: dict[int, TariffSpec] = field(default_factory=dict)
    priced: dict[tuple[int, int], _Lines] = field(default_factory=dict)

    def lines(self, tariff: Tariff, kwh: int, account_id: int) -> _Lines:
        key = (tariff.pk, max(kwh, 0))
        found = self.priced.get(key)
        if found is None:
            spec = self.specs.get(tariff.pk)
            if spec is None:
                spec = self.specs[tariff.pk] = tariff_spec(tariff)
            found = self.priced[key] = _lines_of(
                tuple(tariff_compute(tariff=spec, kwh=max(kwh, 0)))
            )
        if kwh < 0:
            return _lines_of((*found.items, _correction(account_id, kwh)))
        return found


def _drafts(
    accounts: list[_Account],
    cycle: BillingCycle,
    tariffs: dict[str, Tariff],
    book: PriceBook,
) -> list[_Draft]:
    ids = [a.pk for a in accounts]
    meters = {
        account_id: _Meter(*rest)
        for account_id, *rest in Meter.objects.filter(
            among("account_id", ids), removed_on__isnull=True
        ).values_list(*_METER)
    }
    readings: dict[int, _Reading] = {}
    for account_id, *rest in (
        MeterReading.objects.filter(
            among("account_id", ids), cycle=cycle, status=MeterReading.Status.ACCEPTED
        )
        .order_by("read_on", "pk")
        .values_list(*_READING)
    ):
        readings[account_id] = _Reading(*rest)
    last_values = dict(
        MeterReading.objects.filter(
            among("account_id", ids),
            status=MeterReading.Status.ACCEPTED,
            cycle__period_start__lt=cycle.period_start,
        )
        .values("meter_id")
        .annotate(last=Max("read_on"))
        .values_list("meter_id", "last")
    )
    previous_value: dict[int, int] = {}
    if last_values:
        for meter_id, value in (
            MeterReading.objects.filter(
                among("meter_id", list(last_values)),
                status=MeterReading.Status.ACCEPTED,
                cycle__period_start__lt=cycle.period_start,
            )
            .order_by("read_on", "pk")
            .values_list("meter_id", "value")
        ):
            previous_value[meter_id] = value
    missing = [a.pk for a in accounts if a.pk not in readings]
    history = history_daily_kwh(account_ids=missing, before=cycle.period_start) if missing else {}
    drafts = []
    for account in accounts:
        tariff = tariffs.get(account.category)
        if tariff is None:
            continue  # reported by the caller: no tariff in force for the category
        meter = meters.get(account.pk)
        reading = readings.get(account.pk)
        if reading is not None:
            kwh = int(reading.consumption_kwh or 0)
            previous = (
                previous_value.get(meter.pk, meter.initial_reading)
                if meter is not None and meter.pk == reading.meter_id
                else None
            )
            drafts.append(
                _Draft(account, meter, reading, previous, reading.value, kwh, False, tariff)
            )
            continue
        kwh = estimated_kwh(daily=history.get(account.pk), days=cycle.days)
        previous = None
        current = None
        if meter is not None:
            previous = previous_value.get(meter.pk, meter.initial_reading)
            units = -(-kwh // meter.multiplier)  # round up to whole dial units
            current = (previous + units) % (10**meter.digits)
            kwh = units * meter.multiplier
        drafts.append(_Draft(account, meter, None, previous, current, kwh, True, tariff))
    for draft in drafts:
        draft.lines = book.lines(draft.tariff, draft.kwh, draft.account.pk)
    return drafts


def _chunk_entry(
    company_id: int,
    run_id: int,
    numbers: list[str],
    drafts: list[_Draft],
    applied: list[int],
    issue_date: dt.date,
) -> EntrySpec | None:
    """One journal entry for a chunk of bills (ADR 0010): each subscriber's receivable (or
    credit, for a negative bill) on its own line, so the sub-ledger stays per subscriber;
    revenue per category and fees summed. Credit the subscriber already had and that pays
    the new bill moves from their credit to the bill in the same entry."""
    revenue: dict[str, int] = {}
    fees = 0
    lines: list[Line] = []
    for draft, credit in zip(drafts, applied, strict=True):
        total, energy = draft.lines.total, draft.lines.energy
        fees += total - energy
        category = draft.account.category
        revenue[category] = revenue.get(category, 0) - energy
        account_id = draft.account.pk
        if total < 0:
            lines.append(Line(chart.SUBSCRIBER_CREDIT, total, account_id))
        elif total - credit:
            lines.append(Line(chart.RECEIVABLES, total - credit, account_id))
        if credit:
            lines.append(Line(chart.SUBSCRIBER_CREDIT, credit, account_id))
    lines += [Line(chart.revenue(c), amount) for c, amount in sorted(revenue.items()) if amount]
    if fees:
        lines.append(Line(chart.FEES, -fees))
    if not lines:
        return None
    return EntrySpec(
        company_id=company_id,
        kind="bills",
        lines=lines,
        business_date=issue_date,
        memo=f"bills {numbers[0]}–{numbers[-1]} ({len(numbers)})",
        source_type="billing_run",
        source_id=run_id,
    )


def _credits(company_id: int, account_ids: list[int]) -> dict[int, int]:
    """Credit (advance payments, overpayments) each account has, to apply to its new bill."""
    if not account_ids:
        return {}
    rows = (
        Posting.objects.filter(
            among("subscriber_id", account_ids),
            company_id=company_id,
            ledger_account__code=chart.SUBSCRIBER_CREDIT,
        )
        .values("subscriber_id")
        .annotate(total=Sum("amount"))
    )
    return {r["subscriber_id"]: -int(r["total"]) for r in rows if r["total"] and r["total"] < 0}


_READING_FIELDS = (
    "company_id",
    "account_id",
    "meter_id",
    "cycle_id",
    "value",
    "read_on",
    "source",
    "status",
    "flags",
    "consumption_kwh",
)
_BILL_FIELDS = (
    "lines",
    "company_id",
    "account_id",
    "cycle_id",
    "number",
    "category",
    "tariff_id",
    "reading_id",
    "previous_reading",
    "current_reading",
    "consumption_kwh",
    "estimated",
    "total",
    "paid",
    "credit_applied",
    "status",
    "issue_date",
    "due_date",
)


def _status(total: int, applied: int) -> str:
    if total <= 0 or applied == total:
        return Bill.Status.PAID.value
    return Bill.Status.PARTLY_PAID.value if applied else Bill.Status.OPEN.value


def _write_chunk(
    company: Company, cycle: BillingCycle, run_id: int, drafts: list[_Draft]
) -> list[int]:
    """Write a chunk's estimated readings, bills, lines and journal entry; returns the bill ids.

    Rows go in through `bulk_insert` (COPY on PostgreSQL) as plain tuples: at a million
    bills a run, building model instances and compiling INSERTs cost more than the database.
    """
    if not drafts:
        return []
    company_id, cycle_id = company.pk, cycle.pk
    first = counter_next(company_id=company_id, name=f"bill:{cycle.code}", count=len(drafts))
    estimated = [
        (d, d.meter.pk)
        for d in drafts
        if d.estimated and d.meter is not None and d.current is not None
    ]
    reading_ids = bulk_insert(
        MeterReading,
        [
            (
                company_id,
                d.account.pk,
                meter_id,
                cycle_id,
                d.current,
                cycle.period_end,
                MeterReading.Source.ESTIMATED.value,
                MeterReading.Status.ACCEPTED.value,
                ["estimated"],
                d.kwh,
            )
            for d, meter_id in estimated
        ],
        fields=_READING_FIELDS,
    )
    estimated_reading = {
        d.account.pk: pk for (d, _m), pk in zip(estimated, reading_ids, strict=True)
    }
    numbers = [bill_number(company.code, cycle, first + n) for n in range(len(drafts))]
    totals = [d.total for d in drafts]
    credits = _credits(
        company.pk, [d.account.pk for d, total in zip(drafts, totals, strict=True) if total > 0]
    )
    applied = [
        min(credits.get(d.account.pk, 0), max(total, 0))
        for d, total in zip(drafts, totals, strict=True)
    ]
    bill_ids = bulk_insert(
        Bill,
        [
            (
                d.lines.json,
                company_id,
                d.account.pk,
                cycle_id,
                number,
                d.account.category,
                d.tariff.pk,
                d.reading.pk if d.reading is not None else estimated_reading.get(d.account.pk),
                d.previous,
                d.current,
                d.kwh,
                d.estimated,
                total,
                credit,
                credit,
                _status(total, credit),
                cycle.issue_date,
                cycle.due_date,
            )
            for d, number, total, credit in zip(drafts, numbers, totals, applied, strict=True)
        ],
        fields=_BILL_FIELDS,
    )
    entry = _chunk_entry(company_id, run_id, numbers, drafts, applied, cycle.issue_date)
    if entry is not None:
        journal_post_bulk(specs=[entry])
    digest = hashlib.sha256(
        "\n".join(
            f"{number}:{d.account.pk}:{total}"
            for number, d, total in zip(numbers, drafts, totals, strict=True)
        ).encode()
    ).hexdigest()
    audit_record(
        company=company,
        action="billing.chunk",
        data={
            "cycle": cycle.code,
            "bills": len(bill_ids),
            "total": sum(totals),
            "first": numbers[0],
            "last": numbers[-1],
            "sha256": digest,
        },
    )
    return bill_ids


def _commit_without_waiting_for_disk() -> None:
    """A chunk's commit does not wait for its WAL flush (PostgreSQL `synchronous_commit`
    off, for this transaction only; ADR 0010). A crash can lose the last chunks committed
    this way, never part of one, and anything durable that came after them — a payment of
    one of their bills — flushed them with its own commit. The run then resumes after the
    last chunk that survived and writes the same bills again."""
    connection = transaction.get_connection()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit = off")


@dataclass(frozen=True)
class RunResult:
    run: BillingRun
    bills_created: int
    skipped_no_tariff: int


def billing_run(
    *,
    actor: Any,
    company: Company,
    cycle: BillingCycle,
    chunk: int = CHUNK,
    progress: Callable[[int, int], object] | None = None,
    prices: PriceBook | None = None,
) -> RunResult:
    """Bill every active account of the company for the cycle (resumable, idempotent)."""
    if cycle.company_id != company.pk:
        raise Conflict(_("The cycle belongs to another company."))
    if cycle.state in (BillingState.ISSUED, BillingState.CLOSED):
        run = BillingRun.objects.filter(company=company, cycle=cycle).first()
        if run is not None:
            return RunResult(run, 0, 0)
        raise Conflict(_("The cycle has already been issued."))
    with transaction.atomic():
        locked = BillingCycle.objects.select_for_update().get(pk=cycle.pk)
        if locked.state in (BillingState.OPEN, BillingState.READING):
            locked.state = BillingState.BILLING
            locked.save(update_fields=["state"])
            audit_record(
                company=company,
                actor=actor,
                action="cycle.advance",
                obj=locked,
                data={"to": BillingState.BILLING},
            )
        run, _created = BillingRun.objects.get_or_create(
            company=company, cycle=locked, defaults={"state": BillingRun.State.RUNNING}
        )
        if run.state == BillingRun.State.DONE:
            # A finished run is run again from the start (say, after a missing tariff was
            # added); accounts already billed are skipped. An interrupted one resumes.
            run.state, run.last_account_id, run.accounts_done = BillingRun.State.RUNNING, 0, 0
        active = Account.objects.filter(company=company, status=Account.Status.ACTIVE)
        run.accounts_total = active.count()
        run.save(
            update_fields=[
                "state",
                "last_account_id",
                "accounts_done",
                "accounts_total",
                "updated_at",
            ]
        )
    tariffs = tariffs_in_force_map(cycle.period_end)
    book = prices if prices is not None else PriceBook()
    created = skipped = 0
    while True:
        with transaction.atomic():
            _commit_without_waiting_for_disk()
            run = BillingRun.objects.select_for_update().get(pk=run.pk)
            accounts = [
                _Account(*row)
                for row in Account.objects.filter(
                    company=company, status=Account.Status.ACTIVE, pk__gt=run.last_account_id
                )
                .order_by("pk")
                .values_list(*_ACCOUNT)[:chunk]
            ]
            if not accounts:
                break
            billed = set(
                Bill.objects.filter(  # the (company, account, cycle) unique index
                    among("account_id", [a.pk for a in accounts]), company=company, cycle=cycle
                ).values_list("account_id", flat=True)
            )
            todo = [a for a in accounts if a.pk not in billed]
            drafts = _drafts(todo, cycle, tariffs, book)
            skipped += len(todo) - len(drafts)
            bills = _write_chunk(company, cycle, run.pk, drafts)
            created += len(bills)
            run.last_account_id = accounts[-1].pk
            run.accounts_done += len(accounts)
            run.bills_created += len(bills)
            run.save(
                update_fields=["last_account_id", "accounts_done", "bills_created", "updated_at"]
            )
        if progress is not None:
            progress(run.accounts_done, run.accounts_total)
    with transaction.atomic():
        run = BillingRun.objects.select_for_update().get(pk=run.pk)
        run.state = BillingRun.State.DONE
        run.finished_at = timezone.now()
        run.save(update_fields=["state", "finished_at", "updated_at"])
        locked = BillingCycle.objects.select_for_update().get(pk=cycle.pk)
        if locked.state == BillingState.BILLING and not skipped:
            locked.state = BillingState.ISSUED
            locked.save(update_fields=["state"])
        audit_record(
            company=company,
            actor=actor,
            action="billing.run_done",
            obj=run,
            data={"cycle": cycle.code, "bills": run.bills_created, "skipped_no_tariff": skipped},
        )
    return RunResult(run, created, skipped)
