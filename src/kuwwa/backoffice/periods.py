"""The two periods every dashboard shows: today and "this cycle".

Today is the business day (kuwwa.core.clock, Asia/Damascus with the cut-off). This cycle runs
from the first day of the billing cycle in progress to today: the user's company's cycle, or
for the establishment the latest cycle begun in any company (cycles follow one national
calendar). With no cycle at all it is the calendar month.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal

from django.db.models import Max

from kuwwa.billing.models import BillingCycle
from kuwwa.core.clock import business_date
from kuwwa.organizations.scopes import restrict_to_scope

PeriodKey = Literal["today", "cycle"]


@dataclass(frozen=True)
class Period:
    today: dt.date
    cycle_start: dt.date
    cycle_code: str

    def start(self, key: PeriodKey) -> dt.date:
        return self.today if key == "today" else self.cycle_start


def current_period(user: Any, *, today: dt.date | None = None) -> Period:
    day = today or business_date()
    cycles = restrict_to_scope(BillingCycle.objects.filter(period_start__lte=day), user)
    start = cycles.aggregate(start=Max("period_start"))["start"]
    if start is None:
        return Period(today=day, cycle_start=day.replace(day=1), cycle_code="")
    code = cycles.filter(period_start=start).values_list("code", flat=True).first() or ""
    return Period(today=day, cycle_start=start, cycle_code=code)


def period_key(value: str | None) -> PeriodKey:
    return "today" if value == "today" else "cycle"
