"""Synthetic billing history for demos and benchmarks: cycles, readings and billing runs.

Readings are generated in bulk (like synthetic accounts), deterministic for a seed, with a
consumption typical of each category; the bills themselves come from the real billing run.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable

from django.db import transaction

from kuwwa.accounts.models import Account, Meter
from kuwwa.billing.cycles import cycle_open
from kuwwa.billing.models import BillingCycle, MeterReading
from kuwwa.billing.run import billing_run
from kuwwa.organizations.models import Company

# Typical kWh per two-month cycle by category (a household around 300–600).
TYPICAL_KWH = {
    "household": (150, 700),
    "commercial": (300, 2500),
    "industrial": (2000, 20000),
    "agricultural": (200, 3000),
    "public": (500, 5000),
    "exempt": (800, 6000),
}
BATCH = 5000


def _cycle(company: Company, code: str) -> BillingCycle:
    found = BillingCycle.objects.filter(company=company, code=code).first()
    return found or cycle_open(actor=None, company=company, code=code)


def demo_readings_load(*, company: Company, cycle: BillingCycle, seed: int) -> int:
    """One accepted reader's reading per active account without one in the cycle."""
    rng = random.Random(f"{seed}:{company.code}:{cycle.code}")
    have = set(MeterReading.objects.filter(cycle=cycle).values_list("account_id", flat=True))
    last = {}
    for meter_id, value in (
        MeterReading.objects.filter(
            company=company,
            status=MeterReading.Status.ACCEPTED,
            cycle__period_start__lt=cycle.period_start,
        )
        .order_by("read_on", "pk")
        .values_list("meter_id", "value")
    ):
        last[meter_id] = value
    created = 0
    meters = (
        Meter.objects.filter(
            company=company, removed_on__isnull=True, account__status=Account.Status.ACTIVE
        )
        .select_related("account")
        .order_by("account_id")
    )
    batch: list[MeterReading] = []
    day = cycle.reading_window_start + dt.timedelta(days=2)
    for meter in meters.iterator(chunk_size=BATCH):
        if meter.account_id in have:
            continue
        low, high = TYPICAL_KWH.get(meter.account.category, (100, 600))
        kwh = rng.randint(low, high)
        units = max(kwh // meter.multiplier, 0)
        previous = last.get(meter.pk, meter.initial_reading)
        value = (previous + units) % (10**meter.digits)
        batch.append(
            MeterReading(
                company=company,
                account_id=meter.account_id,
                meter=meter,
                cycle=cycle,
                value=value,
                read_on=day,
                source=MeterReading.Source.READER,
                status=MeterReading.Status.ACCEPTED,
                flags=["rollover"] if value < previous else [],
                consumption_kwh=units * meter.multiplier,
            )
        )
        if len(batch) >= BATCH:
            with transaction.atomic():
                MeterReading.objects.bulk_create(batch, ignore_conflicts=True)
            created += len(batch)
            batch = []
    if batch:
        with transaction.atomic():
            MeterReading.objects.bulk_create(batch, ignore_conflicts=True)
        created += len(batch)
    return created


def demo_billing_load(
    *,
    billed_cycles: list[str],
    open_cycle_code: str | None,
    seed: int,
    progress: Callable[[str], object] | None = None,
) -> int:
    """Billed history for every company, then an open cycle taking readings (idempotent)."""
    bills = 0
    for company in Company.objects.distribution():
        for code in billed_cycles:
            cycle = _cycle(company, code)
            if cycle.state in (BillingCycle.State.ISSUED, BillingCycle.State.CLOSED):
                continue
            demo_readings_load(company=company, cycle=cycle, seed=seed)
            bills += billing_run(actor=None, company=company, cycle=cycle).bills_created
            if progress is not None:
                progress(f"{company.code} {code}")
        if open_cycle_code:
            _cycle(company, open_cycle_code)
    return bills
