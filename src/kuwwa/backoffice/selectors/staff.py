"""Top collection centers and cashiers, and over/short by cashier.

Centers and cashiers are ranked from `CollectorDaily` (keyed by the collecting company), net
of reversals.

Centers and cashiers belong to the collecting company: a company sees its own centers and
cashiers (whatever company they collected for). Over/short comes from the shifts closed in the
period (`Shift.over_short`: counted − expected, recorded at the blind count).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import BigIntegerField, Case, Count, Q, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from kuwwa.backoffice.models import CollectorDaily
from kuwwa.backoffice.periods import Period, PeriodKey
from kuwwa.backoffice.selectors.collections import NET_AMOUNT, NET_PAYMENTS, _sum
from kuwwa.backoffice.selectors.names import center_names, company_names, user_names
from kuwwa.backoffice.tables import Column, Page, Table, sum_column
from kuwwa.cashiering.models import Shift
from kuwwa.core.clock import business_date
from kuwwa.organizations.scopes import restrict_to_scope

TOP = 20
SHOWN = 30  # over/short rows on the page; the download has every cashier


def _between(period: Period, key: PeriodKey) -> Q:
    return Q(business_date__gte=period.start(key), business_date__lte=period.today)


def top_centers(*, user: Any, period: Period, key: PeriodKey) -> Table:
    qs = restrict_to_scope(CollectorDaily.objects.all(), user)
    sums = list(
        qs.filter(_between(period, key))
        .values("company_id", "center_id")
        .annotate(payments=_sum(NET_PAYMENTS), amount=_sum(NET_AMOUNT))
        .order_by("-amount", "center_id")[:TOP]
    )
    companies, centers = company_names(), center_names(r["center_id"] for r in sums)
    rows = [
        (
            n,
            companies.get(r["company_id"], ("", ""))[0],
            centers.get(r["center_id"], (0, "", ""))[1],
            centers.get(r["center_id"], (0, "", ""))[2],
            int(r["payments"]),
            int(r["amount"]),
        )
        for n, r in enumerate(sums, start=1)
    ]
    return Table(
        key="top_centers",
        title=_("Top collection centers"),
        columns=(
            Column("rank", _("Rank"), "count"),
            Column("company", _("Company"), "code"),
            Column("center_code", _("Center code"), "code"),
            Column("center", _("Collection center")),
            Column("payments", _("Payments"), "count"),
            Column("amount", _("Amount"), "money", bar=True),
        ),
        rows=rows,
    )


def top_cashiers(*, user: Any, period: Period, key: PeriodKey) -> Table:
    qs = restrict_to_scope(CollectorDaily.objects.all(), user)
    sums = list(
        qs.filter(_between(period, key), cashier_id__gt=0)
        .values("company_id", "cashier_id")
        .annotate(payments=_sum(NET_PAYMENTS), amount=_sum(NET_AMOUNT))
        .order_by("-amount", "cashier_id")[:TOP]
    )
    companies, people = company_names(), user_names(r["cashier_id"] for r in sums)
    rows = [
        (
            n,
            companies.get(r["company_id"], ("", ""))[0],
            people.get(r["cashier_id"], str(r["cashier_id"])),
            int(r["payments"]),
            int(r["amount"]),
        )
        for n, r in enumerate(sums, start=1)
    ]
    return Table(
        key="top_cashiers",
        title=_("Top cashiers"),
        columns=(
            Column("rank", _("Rank"), "count"),
            Column("company", _("Company"), "code"),
            Column("cashier", _("Cashier")),
            Column("payments", _("Payments"), "count"),
            Column("amount", _("Amount"), "money", bar=True),
        ),
        rows=rows,
    )


def _moment_range(period: Period, key: PeriodKey) -> tuple[dt.datetime, dt.datetime]:
    """Aware bounds of the period's business days (local midnight; the cut-off is ignored
    here: a shift belongs to the day it was closed on the clock)."""
    from django.utils import timezone

    start = timezone.make_aware(dt.datetime.combine(period.start(key), dt.time.min))
    end = timezone.make_aware(dt.datetime.combine(period.today + dt.timedelta(days=1), dt.time.min))
    return start, end


def over_short(*, user: Any, period: Period, key: PeriodKey) -> Table:
    start, end = _moment_range(period, key)
    money: BigIntegerField[int, int] = BigIntegerField()
    qs = restrict_to_scope(Shift.objects.all(), user).filter(
        status__in=(Shift.Status.CLOSED, Shift.Status.APPROVED),
        closed_at__gte=start,
        closed_at__lt=end,
    )
    sums = list(
        qs.values("company_id", "center_id", "cashier_id")
        .annotate(
            shifts=Count("id"),
            short_shifts=Count("id", filter=Q(over_short__lt=0)),
            short=Coalesce(
                Sum(Case(When(over_short__lt=0, then="over_short"), default=Value(0))),
                Value(0),
                output_field=money,
            ),
            over_shifts=Count("id", filter=Q(over_short__gt=0)),
            over=Coalesce(
                Sum(Case(When(over_short__gt=0, then="over_short"), default=Value(0))),
                Value(0),
                output_field=money,
            ),
            net=Coalesce(Sum("over_short"), Value(0), output_field=money),
        )
        .order_by()
    )
    # The largest differences first, short or over: those are the ones to look into.
    sums.sort(key=lambda r: (-abs(int(r["net"])), int(r["net"]), r["cashier_id"]))
    companies = company_names()
    centers = center_names(r["center_id"] for r in sums)
    people = user_names(r["cashier_id"] for r in sums)
    rows = [
        (
            companies.get(r["company_id"], ("", ""))[0],
            centers.get(r["center_id"], (0, "", ""))[2],
            people.get(r["cashier_id"], str(r["cashier_id"])),
            int(r["shifts"]),
            int(r["short_shifts"]),
            int(r["short"]),
            int(r["over_shifts"]),
            int(r["over"]),
            int(r["net"]),
        )
        for r in sums
    ]
    return Table(
        key="over_short",
        title=_("Over/short by cashier (closed shifts)"),
        columns=(
            Column("company", _("Company"), "code"),
            Column("center", _("Collection center")),
            Column("cashier", _("Cashier")),
            Column("shifts", _("Shifts"), "count"),
            Column("short_shifts", _("Shifts short"), "count"),
            Column("short", _("Short"), "signed_money"),
            Column("over_shifts", _("Shifts over"), "count"),
            Column("over", _("Over"), "signed_money"),
            Column("net", _("Net over/short"), "signed_money", bar=True),
        ),
        rows=rows,
        total=(_("Total"), "", "", *[sum_column(rows, i) for i in range(3, 9)]),
        note=_("Over (+) / short (−) = counted cash − expected cash; largest first."),
        limit=SHOWN,
    )


def staff_page(*, user: Any, period: Period, key: PeriodKey) -> Page:
    return Page(
        tables=[
            top_centers(user=user, period=period, key=key),
            top_cashiers(user=user, period=period, key=key),
            over_short(user=user, period=period, key=key),
        ],
        extra={"business_date": business_date()},
    )
