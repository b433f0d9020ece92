"""Collection rate per cycle (paid ÷ billed) and arrears aging, from `BillCycleStats`.

Bills with a positive total only: a negative bill (a true-up) is a credit, not an amount to
collect. Billed = total + adjustments; outstanding = billed − paid, which is exactly the sum of
`total + adjusted − paid` over the open and partly paid bills (paid bills contribute 0).
Aging is by days past the bill's due date, today.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.db.models import F, Sum
from django.utils.translation import gettext as _

from kuwwa.backoffice.models import BillCycleStats
from kuwwa.backoffice.tables import Card, Column, Page, Table, percent, sum_column
from kuwwa.billing.models import BillingCycle
from kuwwa.organizations.scopes import companies_visible, restrict_to_scope

RATE_CYCLES = 6
# (key, lowest days past due, highest); None is open-ended. Labels: _bucket_labels().
BUCKETS: tuple[tuple[str, int | None, int | None], ...] = (
    ("not_due", None, -1),
    ("d0_60", 0, 60),
    ("d61_180", 61, 180),
    ("d181_365", 181, 365),
    ("d365_plus", 366, None),
)


def bucket_of(days_past_due: int) -> str:
    for key, low, high in BUCKETS:
        if (low is None or days_past_due >= low) and (high is None or days_past_due <= high):
            return key
    raise AssertionError(days_past_due)  # pragma: no cover - buckets cover every integer


def _bucket_labels() -> list[str]:
    return [
        _("Not yet due"),
        _("0–60 days"),
        _("61–180 days"),
        _("181–365 days"),
        _("Over 365 days"),
    ]


def rate_table(*, user: Any) -> Table:
    stats = restrict_to_scope(BillCycleStats.objects.all(), user)
    sums = list(
        stats.values("company_id", "cycle_id")
        .annotate(
            bills=Sum("bills"),
            billed=Sum(F("billed") + F("adjusted")),
            paid=Sum("paid"),
        )
        .order_by()
    )
    cycles = {
        c.pk: c
        for c in BillingCycle.objects.filter(pk__in={r["cycle_id"] for r in sums}).select_related(
            "company"
        )
    }
    by_company: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in sums:
        if row["cycle_id"] in cycles:
            by_company[row["company_id"]].append(row)
    rows = []
    for company in companies_visible(user).filter(is_establishment=False).order_by("code"):
        latest = sorted(
            by_company.get(company.pk, []),
            key=lambda r: cycles[r["cycle_id"]].period_start,
            reverse=True,
        )[:RATE_CYCLES]
        for r in latest:
            billed, paid = int(r["billed"]), int(r["paid"])
            rows.append(
                (
                    company.code,
                    company.name,
                    cycles[r["cycle_id"]].code,
                    int(r["bills"]),
                    billed,
                    paid,
                    billed - paid,
                    percent(paid, billed),
                )
            )
    billed_total, paid_total = sum_column(rows, 4), sum_column(rows, 5)
    return Table(
        key="rate",
        title=_("Collection rate per cycle (paid ÷ billed)"),
        columns=(
            Column("code", _("Code"), "code"),
            Column("company", _("Company")),
            Column("cycle", _("Billing cycle"), "code"),
            Column("bills", _("Bills"), "count"),
            Column("billed", _("Billed"), "money"),
            Column("paid", _("Paid"), "money"),
            Column("outstanding", _("Outstanding"), "money"),
            Column("rate", _("Collection rate"), "percent", bar=True),
        ),
        rows=rows,
        total=(
            _("Total"),
            "",
            "",
            sum_column(rows, 3),
            billed_total,
            paid_total,
            billed_total - paid_total,
            percent(paid_total, billed_total),
        ),
        note=_("The last %(n)s cycles of each company.") % {"n": RATE_CYCLES},
    )


def aging_table(*, user: Any, today: dt.date) -> Table:
    stats = restrict_to_scope(BillCycleStats.objects.all(), user)
    sums = (
        stats.values("company_id", "due_date")
        .annotate(outstanding=Sum(F("billed") + F("adjusted") - F("paid")))
        .order_by()
    )
    per: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in sums:
        key = bucket_of((today - row["due_date"]).days)
        per[row["company_id"]][key] += int(row["outstanding"] or 0)
    rows = []
    for company in companies_visible(user).filter(is_establishment=False).order_by("code"):
        buckets = per.get(company.pk, {})
        values = [int(buckets.get(key, 0)) for key, *_rest in BUCKETS]
        rows.append((company.code, company.name, *values, sum(values[1:]), sum(values)))
    return Table(
        key="aging",
        title=_("Arrears aging (outstanding by days past the due date)"),
        columns=(
            Column("code", _("Code"), "code"),
            Column("company", _("Company")),
            *[
                Column(key, label, "money")
                for (key, *_rest), label in zip(BUCKETS, _bucket_labels(), strict=True)
            ],
            Column("overdue", _("Overdue"), "money", bar=True),
            Column("outstanding", _("Outstanding"), "money"),
        ),
        rows=rows,
        total=(_("Total"), "", *[sum_column(rows, i) for i in range(2, 9)]),
    )


def rate_page(*, user: Any) -> Page:
    table = rate_table(user=user)
    total = table.total or ()
    return Page(
        tables=[table],
        cards=[
            Card(_("Billed"), total[4]),
            Card(_("Paid"), total[5]),
            Card(_("Collection rate"), total[7], "percent"),
        ],
    )


def aging_page(*, user: Any, today: dt.date) -> Page:
    table = aging_table(user=user, today=today)
    total = table.total or ()
    chart: list[dict[str, Any]] = [
        {
            "code": row[0],
            "name": row[1],
            "parts": [(key, int(row[2 + i])) for i, (key, *_rest) in enumerate(BUCKETS)],
            "total": int(row[8]),
        }
        for row in table.rows
    ]
    return Page(
        tables=[table],
        cards=[Card(_("Overdue"), total[7]), Card(_("Outstanding"), total[8])],
        extra={"chart": chart, "chart_max": max((c["total"] for c in chart), default=0)},
    )
