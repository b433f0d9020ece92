"""Synthetic subscribers for demos and benchmarks: deterministic for a seed, bulk-inserted.

Account i of a run always gets the same company, local number, holder and meter for the same
seed, and rows that exist already are skipped, so running it again duplicates nothing and a
larger run extends a smaller one.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter as Tally
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.db import transaction

from kuwwa.accounts.demo_names import (
    AREAS,
    CATEGORY_WEIGHTS,
    COMPANY_WEIGHTS,
    FAMILY_NAMES,
    FEMALE_NAMES,
    MALE_NAMES,
    METER_MAKERS,
    STREETS,
)
from kuwwa.accounts.models import Account, Meter
from kuwwa.accounts.services import ACCOUNT_COUNTER
from kuwwa.core.audit import audit_record
from kuwwa.core.counters import counter_raise_to
from kuwwa.core.ids import account_number_build
from kuwwa.organizations.models import Company

BATCH = 5000


@dataclass(frozen=True)
class DemoAccount:
    company_code: str
    local_number: int
    number: str
    category: str
    status: str
    holder_name: str
    national_id: str
    phone: str
    address: str
    meter_serial: str
    meter_digits: int
    meter_multiplier: int
    meter_phase: str
    installed_on: dt.date


def _meter_serial(rng: random.Random, local: int) -> str:
    # 7919 is prime to 10**8, so the 8 digits are distinct for every local number.
    return f"{rng.choice(METER_MAKERS)}{(local * 7919) % 10**8:08d}"


def generate(*, count: int, seed: int) -> Iterator[DemoAccount]:
    """The first `count` synthetic accounts of the series for `seed`."""
    rng = random.Random(seed)
    codes = list(COMPANY_WEIGHTS)
    weights = list(COMPANY_WEIGHTS.values())
    categories = list(CATEGORY_WEIGHTS)
    cat_weights = list(CATEGORY_WEIGHTS.values())
    next_local: Tally[str] = Tally()
    epoch = dt.date(2005, 1, 1)
    for index in range(count):
        # Every company gets accounts from the start, then by its share of subscribers.
        code = codes[index] if index < len(codes) else rng.choices(codes, weights)[0]
        next_local[code] += 1
        local = next_local[code]
        female = rng.random() < 0.18
        first = rng.choice(FEMALE_NAMES if female else MALE_NAMES)
        holder = f"{first} {rng.choice(MALE_NAMES)} {rng.choice(FAMILY_NAMES)}"
        category = rng.choices(categories, cat_weights)[0]
        roll = rng.random()
        status = "active" if roll < 0.97 else ("suspended" if roll < 0.99 else "closed")
        area = rng.choice(AREAS[code])
        address = f"{area}، {rng.choice(STREETS)}، بناء {rng.randint(1, 120)}"
        three_phase = category in ("industrial", "commercial") and rng.random() < 0.6
        yield DemoAccount(
            company_code=code,
            local_number=local,
            number=account_number_build(company_code=code, local_number=local).compact,
            category=category,
            status=status,
            holder_name=holder,
            national_id=f"{rng.randint(1, 14):02d}{rng.randint(0, 10**9 - 1):09d}",
            phone=f"09{rng.randint(30, 99)}{rng.randint(0, 999999):06d}",
            address=address,
            meter_serial=_meter_serial(rng, local),
            meter_digits=rng.choice((5, 6, 6, 6, 7)),
            meter_multiplier=1 if not three_phase else rng.choice((1, 1, 10)),
            meter_phase="three" if three_phase else "single",
            installed_on=epoch + dt.timedelta(days=rng.randint(0, 7000)),
        )


def _batches(items: Iterator[DemoAccount], size: int) -> Iterator[list[DemoAccount]]:
    batch: list[DemoAccount] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _insert_batch(batch: list[DemoAccount], company_ids: dict[str, int]) -> int:
    accounts = [
        Account(
            company_id=company_ids[d.company_code],
            number=d.number,
            category=d.category,
            status=d.status,
            holder_name=d.holder_name,
            national_id=d.national_id,
            phone=d.phone,
            address=d.address,
        )
        for d in batch
    ]
    before = Account.objects.filter(number__in=[d.number for d in batch]).count()
    Account.objects.bulk_create(accounts, ignore_conflicts=True, batch_size=BATCH)
    ids = dict(
        Account.objects.filter(number__in=[d.number for d in batch]).values_list("number", "pk")
    )
    meters = [
        Meter(
            company_id=company_ids[d.company_code],
            account_id=ids[d.number],
            serial=d.meter_serial,
            digits=d.meter_digits,
            multiplier=d.meter_multiplier,
            phase=d.meter_phase,
            installed_on=d.installed_on,
        )
        for d in batch
    ]
    Meter.objects.bulk_create(meters, ignore_conflicts=True, batch_size=BATCH)
    return len(batch) - before


def demo_accounts_load(
    *, count: int, seed: int, progress: Callable[[int], object] | None = None
) -> int:
    """Insert the first `count` accounts of the series; returns how many were new."""
    companies = Company.objects.distribution()
    company_ids = {c.code: c.pk for c in companies}
    created = 0
    highest: Tally[str] = Tally()
    per_company: Tally[str] = Tally()
    for batch in _batches(generate(count=count, seed=seed), BATCH):
        with transaction.atomic():
            new = _insert_batch(batch, company_ids)
        created += new
        for d in batch:
            highest[d.company_code] = max(highest[d.company_code], d.local_number)
            per_company[d.company_code] += 1
        if progress is not None:
            progress(len(batch))
    with transaction.atomic():
        for code, top in highest.items():
            counter_raise_to(company_id=company_ids[code], name=ACCOUNT_COUNTER, at_least=top)
            if created:
                audit_record(
                    company=company_ids[code],
                    action="demo_data.load",
                    data={"seed": seed, "accounts_in_series": per_company[code]},
                )
    return created
