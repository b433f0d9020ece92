"""Meter readings per cycle by source, and the share citizens submitted themselves.

Counts submissions (every reading row, whatever became of it: accepted, reviewed, rejected,
superseded), from `ReadingCycleStats`. The citizen share is citizen ÷ readings submitted by
people (reader, citizen, office); estimated readings are made by the billing run when nobody
submitted one, and are shown beside it.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db.models import Sum
from django.utils.translation import gettext as _

from kuwwa.backoffice.models import ReadingCycleStats
from kuwwa.backoffice.tables import Card, Column, Page, Table, percent, sum_column
from kuwwa.billing.models import BillingCycle, MeterReading
from kuwwa.organizations.scopes import companies_visible, restrict_to_scope

CYCLES = 6
SOURCES = (
    MeterReading.Source.READER,
    MeterReading.Source.CITIZEN,
    MeterReading.Source.OFFICE,
    MeterReading.Source.ESTIMATED,
)


def readings_table(*, user: Any) -> Table:
    sums = (
        restrict_to_scope(ReadingCycleStats.objects.all(), user)
        .values("company_id", "cycle_id", "source")
        .annotate(readings=Sum("readings"))
        .order_by()
    )
    counts: dict[tuple[int, int], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for r in sums:
        counts[(r["company_id"], r["cycle_id"])][r["source"]] += int(r["readings"])
    cycles = {c.pk: c for c in BillingCycle.objects.filter(pk__in={k[1] for k in counts})}
    rows = []
    for company in companies_visible(user).filter(is_establishment=False).order_by("code"):
        keys = sorted(
            (k for k in counts if k[0] == company.pk and k[1] in cycles),
            key=lambda k: cycles[k[1]].period_start,
            reverse=True,
        )[:CYCLES]
        for key in keys:
            by = counts[key]
            values = [by.get(s.value, 0) for s in SOURCES]
            submitted = sum(values[:3])
            rows.append(
                (
                    company.code,
                    company.name,
                    cycles[key[1]].code,
                    *values,
                    submitted,
                    percent(values[1], submitted),
                )
            )
    submitted = sum_column(rows, 7)
    return Table(
        key="readings",
        title=_("Meter readings by source"),
        columns=(
            Column("code", _("Code"), "code"),
            Column("company", _("Company")),
            Column("cycle", _("Billing cycle"), "code"),
            Column("reader", _("By meter readers"), "count"),
            Column("citizen", _("By citizens"), "count"),
            Column("office", _("By the office"), "count"),
            Column("estimated", _("Estimated"), "count"),
            Column("submitted", _("Submitted by people"), "count"),
            Column("citizen_share", _("Citizens' share"), "percent", bar=True),
        ),
        rows=rows,
        total=(
            _("Total"),
            "",
            "",
            *[sum_column(rows, i) for i in range(3, 8)],
            percent(sum_column(rows, 4), submitted),
        ),
        note=_("Citizens' share = readings citizens submitted ÷ readings submitted by people."),
    )


def readings_page(*, user: Any) -> Page:
    table = readings_table(user=user)
    total = table.total or ()
    return Page(
        tables=[table],
        cards=[
            Card(_("By citizens"), total[4], "count"),
            Card(_("Citizens' share"), total[8], "percent"),
        ],
    )
