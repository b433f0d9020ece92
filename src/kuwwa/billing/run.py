"""The billing run: turn a cycle's readings into bills for every active account of a company.

It works in chunks of accounts ordered by id; each chunk is one transaction that creates the
bills, their lines, any estimated readings and the ledger entries together, then records how
far the run got. A killed run is simply run again: it resumes after the last committed chunk,
and (account, cycle) is unique, so nothing is billed twice. Bill numbers come from a gapless
per-cycle counter in account order, so an interrupted run ends with the same numbers as an
uninterrupted one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Max, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kuwwa.accounts.models import Account, Meter
from kuwwa.billing.models import Bill, BillingCycle, BillingRun, BillLine, MeterReading, Tariff
from kuwwa.billing.readings import estimated_kwh, history_daily_kwh
from kuwwa.billing.tariffs import tariff_compute, tariffs_in_force_map
from kuwwa.core.audit import audit_record
from kuwwa.core.counters import counter_next
from kuwwa.core.errors import Conflict
from kuwwa.core.money import currency, round_to_minor
from kuwwa.ledger import chart
from kuwwa.ledger.models import Posting
from kuwwa.ledger.services import EntrySpec, Line, journal_post_many
from kuwwa.organizations.models import Company

CHUNK = 1000
BillingState = BillingCycle.State


@dataclass(frozen=True)
class LineDraft:
    kind: str
    code: str
    label_ar: str
    label_en: str
    kwh: int | None
    unit_price: Decimal | None
    amount: int


@dataclass
class _Draft:
    account: Account
    meter: Meter | None
    reading: MeterReading | None
    previous: int | None
    current: int | None
    kwh: int
    estimated: bool
    tariff: Tariff
    lines: list[LineDraft]

    @property
    def total(self) -> int:
        return sum(line.amount for line in self.lines)


def bill_number(company_code: str, cycle: BillingCycle, seq: int) -> str:
    """Digits only (scanners type digits the same on any keyboard layout): CC YYYYMM NNNNNNN."""
    return f"{company_code}{cycle.period_start:%Y%m}{seq:07d}"


def _correction(account_id: int, kwh: int) -> LineDraft:
    """Credit for kWh over-billed on an earlier estimate, at that bill's average energy price."""
    last = (
        Bill.objects.filter(account_id=account_id, estimated=True)
        .order_by("-cycle__period_start")
        .first()
    )
    energy = 0
    billed_kwh = 0
    if last is not None:
        energy = sum(line.amount for line in last.lines.all() if line.kind == BillLine.Kind.ENERGY)
        billed_kwh = last.consumption_kwh
    # Average energy price of the estimated bill, in major units per kWh.
    price = Decimal(energy) / billed_kwh / currency().factor if billed_kwh else Decimal(0)
    return LineDraft(
        kind=BillLine.Kind.CORRECTION,
        code="estimate_correction",
        label_ar="تصحيح قراءة تقديرية سابقة",
        label_en="correction of an earlier estimated reading",
        kwh=kwh,
        unit_price=price.quantize(Decimal("0.0001")) if price else None,
        amount=round_to_minor(Decimal(kwh) * price),
    )


def _lines(tariff: Tariff, kwh: int, account_id: int) -> list[LineDraft]:
    lines = [
        LineDraft(
            kind=c.kind,
            code=c.code,
            label_ar=c.label_ar,
            label_en=c.label_en,
            kwh=c.kwh,
            unit_price=c.unit_price,
            amount=c.amount,
        )
        for c in tariff_compute(tariff=tariff, kwh=max(kwh, 0))
    ]
    if kwh < 0:
        lines.append(_correction(account_id, kwh))
    return lines


def _drafts(
    accounts: list[Account], cycle: BillingCycle, tariffs: dict[str, Tariff]
) -> list[_Draft]:
    ids = [a.pk for a in accounts]
    meters = {
        m.account_id: m for m in Meter.objects.filter(account_id__in=ids, removed_on__isnull=True)
    }
    readings: dict[int, MeterReading] = {}
    for found in MeterReading.objects.filter(
        account_id__in=ids, cycle=cycle, status=MeterReading.Status.ACCEPTED
    ).order_by("read_on", "pk"):
        readings[found.account_id] = found
    last_values = dict(
        MeterReading.objects.filter(
            account_id__in=ids,
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
                meter_id__in=list(last_values),
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
                _Draft(account, meter, reading, previous, reading.value, kwh, False, tariff, [])
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
        drafts.append(_Draft(account, meter, None, previous, current, kwh, True, tariff, []))
    for draft in drafts:
        draft.lines = _lines(draft.tariff, draft.kwh, draft.account.pk)
    return drafts


def _entry_spec(bill: Bill, lines: list[LineDraft]) -> EntrySpec | None:
    energy = sum(line.amount for line in lines if line.kind in ("energy", "correction"))
    fees = sum(line.amount for line in lines if line.kind not in ("energy", "correction"))
    total = energy + fees
    if total == 0 and energy == 0:
        return None
    posting = [
        Line(chart.revenue(bill.category), -energy) if energy else None,
        Line(chart.FEES, -fees) if fees else None,
        (
            Line(chart.RECEIVABLES, total, bill.account_id)
            if total > 0
            else Line(chart.SUBSCRIBER_CREDIT, total, bill.account_id)
            if total < 0
            else None
        ),
    ]
    return EntrySpec(
        company_id=bill.company_id,
        kind="bill",
        lines=[p for p in posting if p is not None],
        business_date=bill.issue_date,
        memo=f"bill {bill.number}",
        source_type="bill",
        source_id=bill.pk,
    )


def _credits(account_ids: list[int]) -> dict[int, int]:
    """Credit (advance payments, overpayments) each account has, to apply to its new bill."""
    if not account_ids:
        return {}
    rows = (
        Posting.objects.filter(
            subscriber_id__in=account_ids, ledger_account__code=chart.SUBSCRIBER_CREDIT
        )
        .values("subscriber_id")
        .annotate(total=Sum("amount"))
    )
    return {r["subscriber_id"]: -int(r["total"]) for r in rows if r["total"] and r["total"] < 0}


def _credit_spec(bill: Bill) -> EntrySpec:
    """Move the applied credit onto the bill: credit is used, the receivable is settled."""
    return EntrySpec(
        company_id=bill.company_id,
        kind="credit_applied",
        lines=[
            Line(chart.SUBSCRIBER_CREDIT, bill.credit_applied, bill.account_id),
            Line(chart.RECEIVABLES, -bill.credit_applied, bill.account_id),
        ],
        business_date=bill.issue_date,
        memo=f"credit applied to bill {bill.number}",
        source_type="bill",
        source_id=bill.pk,
    )


def _write_chunk(company: Company, cycle: BillingCycle, drafts: list[_Draft]) -> list[Bill]:
    if not drafts:
        return []
    first = counter_next(company_id=company.pk, name=f"bill:{cycle.code}", count=len(drafts))
    estimated = [
        MeterReading(
            company_id=company.pk,
            account=d.account,
            meter=d.meter,
            cycle=cycle,
            value=d.current,
            read_on=cycle.period_end,
            source=MeterReading.Source.ESTIMATED,
            status=MeterReading.Status.ACCEPTED,
            flags=["estimated"],
            consumption_kwh=d.kwh,
        )
        for d in drafts
        if d.estimated and d.meter is not None and d.current is not None
    ]
    MeterReading.objects.bulk_create(estimated)
    estimated_by_account = {r.account_id: r for r in estimated}
    bills = []
    for offset, d in enumerate(drafts):
        total = d.total
        bills.append(
            Bill(
                company_id=company.pk,
                account=d.account,
                cycle=cycle,
                number=bill_number(company.code, cycle, first + offset),
                category=d.account.category,
                tariff=d.tariff,
                reading=d.reading or estimated_by_account.get(d.account.pk),
                previous_reading=d.previous,
                current_reading=d.current,
                consumption_kwh=d.kwh,
                estimated=d.estimated,
                total=total,
                status=Bill.Status.OPEN if total > 0 else Bill.Status.PAID,
                issue_date=cycle.issue_date,
                due_date=cycle.due_date,
            )
        )
    credits = _credits([b.account_id for b in bills if b.total > 0])
    for bill in bills:
        applied = min(credits.get(bill.account_id, 0), max(bill.total, 0))
        if applied > 0:
            bill.paid = bill.credit_applied = applied
            bill.status = Bill.Status.PAID if applied == bill.total else Bill.Status.PARTLY_PAID
    Bill.objects.bulk_create(bills)
    BillLine.objects.bulk_create(
        [
            BillLine(
                company_id=company.pk,
                bill_id=bill.pk,
                position=position,
                kind=line.kind,
                code=line.code,
                label_ar=line.label_ar,
                label_en=line.label_en,
                kwh=line.kwh,
                unit_price=line.unit_price,
                amount=line.amount,
            )
            for bill, d in zip(bills, drafts, strict=True)
            for position, line in enumerate(d.lines, start=1)
        ]
    )
    # Each entry names its bill (source_type="bill", source_id=bill.pk).
    specs = [_entry_spec(b, d.lines) for b, d in zip(bills, drafts, strict=True)]
    specs += [_credit_spec(b) for b in bills if b.credit_applied]
    journal_post_many(specs=[s for s in specs if s is not None])
    digest = hashlib.sha256(
        "\n".join(f"{b.number}:{b.account_id}:{b.total}" for b in bills).encode()
    ).hexdigest()
    audit_record(
        company=company,
        action="billing.chunk",
        data={
            "cycle": cycle.code,
            "bills": len(bills),
            "total": sum(b.total for b in bills),
            "first": bills[0].number,
            "last": bills[-1].number,
            "sha256": digest,
        },
    )
    return bills


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
    created = skipped = 0
    while True:
        with transaction.atomic():
            run = BillingRun.objects.select_for_update().get(pk=run.pk)
            accounts = list(
                Account.objects.filter(
                    company=company, status=Account.Status.ACTIVE, pk__gt=run.last_account_id
                ).order_by("pk")[:chunk]
            )
            if not accounts:
                break
            billed = set(
                Bill.objects.filter(
                    cycle=cycle, account_id__in=[a.pk for a in accounts]
                ).values_list("account_id", flat=True)
            )
            todo = [a for a in accounts if a.pk not in billed]
            drafts = _drafts(todo, cycle, tariffs)
            skipped += len(todo) - len(drafts)
            bills = _write_chunk(company, cycle, drafts)
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
