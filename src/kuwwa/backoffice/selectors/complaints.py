"""Complaint counts and resolution times per company, and complaints by reason.

Counts are of complaints filed in the period, by their status now, plus everything still open
whenever it was filed. Resolution time is resolved_at − created_at of the complaints resolved
(or rejected) in the period: mean, median and the share within 7 days, in days.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from kuwwa.backoffice.periods import Period, PeriodKey
from kuwwa.backoffice.selectors.staff import _moment_range
from kuwwa.backoffice.tables import Card, Column, Page, Table, percent, sum_column
from kuwwa.organizations.scopes import companies_visible, restrict_to_scope
from kuwwa.portal.models import Complaint

WITHIN = dt.timedelta(days=7)
_OPEN = (Complaint.Status.OPEN, Complaint.Status.ASSIGNED)


def _days(value: float | None) -> Decimal | None:
    if value is None:
        return None
    return Decimal(str(value / 86400)).quantize(Decimal("0.1"), ROUND_HALF_UP)


def complaints_tables(*, user: Any, period: Period, key: PeriodKey) -> list[Table]:
    start, end = _moment_range(period, key)
    qs = restrict_to_scope(Complaint.objects.all(), user)
    filed = {
        r["company_id"]: r
        for r in qs.filter(created_at__gte=start, created_at__lt=end)
        .values("company_id")
        .annotate(
            total=Count("id"),
            **{s.value: Count("id", filter=Q(status=s.value)) for s in Complaint.Status},
        )
        .order_by()
    }
    still_open = dict(
        qs.filter(status__in=_OPEN)
        .values("company_id")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("company_id", "n")
    )
    durations: dict[int, list[float]] = defaultdict(list)
    for company_id, created, resolved in qs.filter(
        resolved_at__gte=start, resolved_at__lt=end
    ).values_list("company_id", "created_at", "resolved_at"):
        if resolved is not None:
            durations[company_id].append(max((resolved - created).total_seconds(), 0.0))
    rows, times = [], []
    for company in companies_visible(user).filter(is_establishment=False).order_by("code"):
        f = filed.get(company.pk, {})
        rows.append(
            (
                company.code,
                company.name,
                int(f.get("total", 0)),
                *[int(f.get(s.value, 0)) for s in Complaint.Status],
                int(still_open.get(company.pk, 0)),
            )
        )
        spans = durations.get(company.pk, [])
        quick = sum(1 for s in spans if s <= WITHIN.total_seconds())
        times.append(
            (
                company.code,
                company.name,
                len(spans),
                _days(statistics.fmean(spans) if spans else None),
                _days(statistics.median(spans) if spans else None),
                percent(quick, len(spans)),
            )
        )
    all_spans = [s for spans in durations.values() for s in spans]
    quick_all = sum(1 for s in all_spans if s <= WITHIN.total_seconds())
    status_table = Table(
        key="complaints",
        title=_("Complaints filed in the period, by status now"),
        columns=(
            Column("code", _("Code"), "code"),
            Column("company", _("Company")),
            Column("filed", _("Filed"), "count", bar=True),
            *[Column(s.value, str(s.label), "count") for s in Complaint.Status],
            Column("open_now", _("Open now (any date)"), "count"),
        ),
        rows=rows,
        total=(_("Total"), "", *[sum_column(rows, i) for i in range(2, 8)]),
    )
    times_table = Table(
        key="resolution",
        title=_("Resolution times of complaints resolved in the period"),
        columns=(
            Column("code", _("Code"), "code"),
            Column("company", _("Company")),
            Column("resolved", _("Resolved"), "count"),
            Column("mean_days", _("Mean (days)"), "days"),
            Column("median_days", _("Median (days)"), "days", bar=True),
            Column("within_7", _("Within 7 days"), "percent"),
        ),
        rows=times,
        total=(
            _("Total"),
            "",
            len(all_spans),
            _days(statistics.fmean(all_spans) if all_spans else None),
            _days(statistics.median(all_spans) if all_spans else None),
            percent(quick_all, len(all_spans)),
        ),
    )
    return [status_table, times_table, _reasons(qs, start, end)]


def _reasons(qs: Any, start: dt.datetime, end: dt.datetime) -> Table:
    sums = dict(
        qs.filter(created_at__gte=start, created_at__lt=end)
        .values("reason")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("reason", "n")
    )
    rows = [(str(label), int(sums.get(code, 0))) for code, label in Complaint.Reason.choices]
    return Table(
        key="reasons",
        title=_("Complaints filed in the period, by reason"),
        columns=(Column("reason", _("Reason")), Column("filed", _("Filed"), "count", bar=True)),
        rows=rows,
        total=(_("Total"), sum_column(rows, 1)),
    )


def complaints_page(*, user: Any, period: Period, key: PeriodKey) -> Page:
    tables = complaints_tables(user=user, period=period, key=key)
    status_total, times_total = tables[0].total or (), tables[1].total or ()
    return Page(
        tables=tables,
        cards=[
            Card(_("Filed"), status_total[2], "count"),
            Card(_("Open now (any date)"), status_total[7], "count"),
            Card(_("Median (days)"), times_total[4], "days"),
        ],
    )
