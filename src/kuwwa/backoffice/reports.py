"""Collections report by day, collecting company, owning company and channel.

Read from the refreshed `OwnerDaily` summary (net of reversals: what the settlement counts),
so a year of national collections comes back in well under a second.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _

from kuwwa.backoffice.models import OwnerDaily
from kuwwa.backoffice.selectors.collections import NET_AMOUNT, NET_PAYMENTS, _sum
from kuwwa.backoffice.tables import Column, Table, sum_column
from kuwwa.collection.models import Channel
from kuwwa.organizations.models import Company


def collections_report(*, start: dt.date, end: dt.date, company: Company | None) -> Table:
    """`company` None means every company; otherwise the rows where it collected or owns."""
    qs = OwnerDaily.objects.filter(business_date__gte=start, business_date__lte=end)
    if company is not None:
        qs = qs.filter(Q(company=company) | Q(collector_id=company.pk))
    sums = (
        qs.values("business_date", "collector_id", "company_id", "channel")
        .annotate(payments=_sum(NET_PAYMENTS), amount=_sum(NET_AMOUNT))
        .order_by()
    )
    codes = dict(Company.objects.values_list("pk", "code"))
    labels = dict(Channel.choices)
    rows: list[tuple[Any, ...]] = sorted(
        (
            r["business_date"],
            codes.get(r["collector_id"], str(r["collector_id"])),
            codes.get(r["company_id"], str(r["company_id"])),
            r["channel"],
            str(labels.get(r["channel"], r["channel"])),
            int(r["payments"]),
            int(r["amount"]),
        )
        for r in sums
        if r["payments"] or r["amount"]
    )
    return Table(
        key="collections",
        title=_("Collections by day, collecting company, owning company and channel"),
        columns=(
            Column("business_date", _("Business day"), "date"),
            Column("collector", _("Collecting company"), "code"),
            Column("owner", _("Owning company"), "code"),
            Column("channel", _("Channel code"), "code"),
            Column("channel_name", _("Channel")),
            Column("payments", _("Payments"), "count"),
            Column("amount", _("Amount"), "money"),
        ),
        rows=rows,
        total=(_("Total"), "", "", "", "", sum_column(rows, 5), sum_column(rows, 6)),
    )
