"""Collections today and this cycle, by owning company, by collection center and by channel.

Company and channel figures are what was collected **for** the companies the user sees
(`OwnerDaily`, owning company); center figures are what the user's companies' centers
collected, for any company (`CollectorDaily`) — their cash, their cashiers. Net of reversals.
"""

from __future__ import annotations

from typing import Any

from django.db.models import BigIntegerField, Case, F, Q, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from kuwwa.backoffice.models import CollectorDaily, OwnerDaily
from kuwwa.backoffice.periods import Period
from kuwwa.backoffice.selectors.names import center_names, company_names
from kuwwa.backoffice.tables import Card, Column, Page, Table, percent, sum_column
from kuwwa.collection.models import Channel
from kuwwa.organizations.scopes import companies_visible, restrict_to_scope

NET_PAYMENTS = F("payments") - F("reversed_payments")
NET_AMOUNT = F("amount") - F("reversed_amount")
CENTERS_SHOWN = 50


def _sum(expr: Any) -> Coalesce:
    return Coalesce(Sum(expr, output_field=BigIntegerField()), Value(0))


def period_sums(qs: Any, period: Period, *fields: str) -> list[dict[str, Any]]:
    """Net payments and amount today and since the cycle began, grouped by `fields`."""
    today = Q(business_date=period.today)
    return list(
        qs.filter(business_date__gte=period.cycle_start, business_date__lte=period.today)
        .values(*fields)
        .annotate(
            today_payments=_sum(Case(When(today, then=NET_PAYMENTS), default=Value(0))),
            today_amount=_sum(Case(When(today, then=NET_AMOUNT), default=Value(0))),
            cycle_payments=_sum(NET_PAYMENTS),
            cycle_amount=_sum(NET_AMOUNT),
        )
        .order_by()
    )


def _figures() -> tuple[Column, ...]:
    return (
        Column("today_payments", _("Payments today"), "count"),
        Column("today_amount", _("Amount today"), "money"),
        Column("cycle_payments", _("Payments this cycle"), "count"),
        Column("cycle_amount", _("Amount this cycle"), "money", bar=True),
    )


def _values(row: dict[str, Any] | None) -> tuple[int, int, int, int]:
    row = row or {}
    return (
        int(row.get("today_payments", 0)),
        int(row.get("today_amount", 0)),
        int(row.get("cycle_payments", 0)),
        int(row.get("cycle_amount", 0)),
    )


def _total(rows: list[tuple[Any, ...]], lead: int) -> tuple[Any, ...]:
    return (_("Total"), *[""] * (lead - 1), *[sum_column(rows, lead + i) for i in range(4)])


def by_company(*, user: Any, period: Period) -> Table:
    qs = restrict_to_scope(OwnerDaily.objects.all(), user)
    sums = {r["company_id"]: r for r in period_sums(qs, period, "company_id")}
    companies = companies_visible(user).filter(is_establishment=False).order_by("code")
    rows = [(c.code, c.name, *_values(sums.get(c.pk))) for c in companies]
    return Table(
        key="by_company",
        title=_("Collections by electricity company (collected for the company, anywhere)"),
        columns=(Column("code", _("Code"), "code"), Column("company", _("Company")), *_figures()),
        rows=rows,
        total=_total(rows, 2),
    )


def by_center(*, user: Any, period: Period) -> Table:
    qs = restrict_to_scope(CollectorDaily.objects.all(), user)
    sums = period_sums(qs, period, "company_id", "center_id")
    names, centers = company_names(), center_names(r["center_id"] for r in sums)
    rows = [
        (
            names.get(r["company_id"], ("", ""))[0],
            centers.get(r["center_id"], (0, "", ""))[1],
            centers.get(r["center_id"], (0, "", ""))[2],
            *_values(r),
        )
        for r in sums
    ]
    rows.sort(key=lambda row: (-row[6], row[0], row[1]))
    return Table(
        key="by_center",
        title=_("Collections by collection center (at the centers, for any company)"),
        columns=(
            Column("company", _("Company"), "code"),
            Column("center_code", _("Center code"), "code"),
            Column("center", _("Collection center")),
            *_figures(),
        ),
        rows=rows,
        total=_total(rows, 3),
        limit=CENTERS_SHOWN,
    )


def by_channel(*, user: Any, period: Period) -> Table:
    qs = restrict_to_scope(OwnerDaily.objects.all(), user)
    sums = {r["channel"]: r for r in period_sums(qs, period, "channel")}
    rows: list[tuple[Any, ...]] = [
        (str(label), *_values(sums.get(code))) for code, label in Channel.choices
    ]
    cycle_total = sum_column(rows, 4)
    rows = [(*row, percent(row[4], cycle_total)) for row in rows]
    return Table(
        key="by_channel",
        title=_("Collections by channel"),
        columns=(
            Column("channel", _("Channel")),
            *_figures(),
            Column("share", _("Share of this cycle"), "percent"),
        ),
        rows=rows,
        total=(*_total(rows, 1), percent(cycle_total, cycle_total)),
    )


def collections_page(*, user: Any, period: Period) -> Page:
    company = by_company(user=user, period=period)
    center = by_center(user=user, period=period)
    channel = by_channel(user=user, period=period)
    total = company.total or (0, 0, 0, 0, 0, 0)
    return Page(
        tables=[company, center, channel],
        cards=[
            Card(_("Collected today"), total[3]),
            Card(_("Payments today"), total[2], "count"),
            Card(_("Collected this cycle"), total[5]),
            Card(_("Payments this cycle"), total[4], "count"),
        ],
    )
