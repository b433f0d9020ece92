"""The cross-company matrix: what each collecting company collected for each owning company.

A settled day is read from its settlement run (`SettlementCell`, exactly what was netted); a
day not settled yet (today) from the live summaries, net of reversals — the same rule the
settlement applies. Company scope sees its own row and column only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from kuwwa.backoffice.access import visible_company_ids
from kuwwa.backoffice.models import OwnerDaily
from kuwwa.backoffice.selectors.collections import NET_AMOUNT, NET_PAYMENTS, _sum
from kuwwa.backoffice.tables import Column, Page, Table, sum_column
from kuwwa.organizations.models import Company
from kuwwa.settlement.models import SettlementCell, SettlementPosition, SettlementRun

HEAT_LEVELS = 9


@dataclass(frozen=True)
class MatrixCell:
    amount: int
    count: int
    level: int  # 0 (nothing) … HEAT_LEVELS (the largest cross-company amount of the day)
    own: bool  # collected by the owning company itself: not part of the settlement
    hidden: bool  # outside the user's scope


def heat_level(amount: int, largest: int) -> int:
    if amount <= 0 or largest <= 0:
        return 0
    return min(HEAT_LEVELS, 1 + (amount * (HEAT_LEVELS - 1)) // largest)


def _cells(day: dt.date) -> tuple[SettlementRun | None, dict[tuple[int, int], tuple[int, int]]]:
    run = SettlementRun.objects.filter(business_date=day, company__code="00").first()
    if run is not None:
        cells = SettlementCell.objects.filter(run=run).values_list(
            "collector_id", "owner_id", "count", "amount"
        )
        return run, {(c, o): (int(n), int(a)) for c, o, n, a in cells}
    live = (
        OwnerDaily.objects.filter(business_date=day)
        .values("collector_id", "company_id")
        .annotate(count=_sum(NET_PAYMENTS), amount=_sum(NET_AMOUNT))
        .order_by()
    )
    return None, {
        (r["collector_id"], r["company_id"]): (int(r["count"]), int(r["amount"]))
        for r in live
        if r["count"] or r["amount"]
    }


def matrix_page(*, user: Any, day: dt.date) -> Page:
    visible = set(visible_company_ids(user))
    run, raw = _cells(day)
    cells = {k: v for k, v in raw.items() if k[0] in visible or k[1] in visible}
    companies = list(Company.objects.order_by("code"))
    owners = [c for c in companies if not c.is_establishment]
    largest = max((a for (c, o), (_n, a) in cells.items() if c != o), default=0)
    grid: list[dict[str, Any]] = []
    for collector in companies:
        row = []
        for owner in owners:
            count, amount = cells.get((collector.pk, owner.pk), (0, 0))
            row.append(
                MatrixCell(
                    amount=amount,
                    count=count,
                    level=heat_level(amount, largest) if collector.pk != owner.pk else 0,
                    own=collector.pk == owner.pk,
                    hidden=collector.pk not in visible and owner.pk not in visible,
                )
            )
        grid.append({"company": collector, "cells": row, "total": sum(c.amount for c in row)})
    column_totals = [
        sum(grid[i]["cells"][j].amount for i in range(len(grid))) for j in range(len(owners))
    ]
    codes = {c.pk: c.code for c in companies}
    long_rows = sorted(
        (codes[col], codes[own], count, amount) for (col, own), (count, amount) in cells.items()
    )
    cells_table = Table(
        key="cells",
        title=_("Collected by one company for another"),
        columns=(
            Column("collector", _("Collecting company"), "code"),
            Column("owner", _("Owning company"), "code"),
            Column("payments", _("Payments"), "count"),
            Column("amount", _("Amount"), "money", bar=True),
        ),
        rows=long_rows,
        total=(_("Total"), "", sum_column(long_rows, 2), sum_column(long_rows, 3)),
    )
    wide = Table(
        key="matrix",
        title=_("Cross-company matrix"),
        columns=(
            Column("collector", _("Collecting company"), "code"),
            *[Column(f"owner_{o.code}", o.code, "money") for o in owners],
            Column("total", _("Total"), "money"),
        ),
        rows=[
            (r["company"].code, *[c.amount for c in r["cells"]], r["total"])
            for r in grid
            if r["total"] or r["company"].pk in visible
        ],
        total=(_("Total"), *column_totals, sum(column_totals)),
    )
    tables = [wide, cells_table]
    if run is not None:
        tables.append(_positions(run, visible))
    recent = list(
        SettlementRun.objects.filter(company__code="00")
        .order_by("-business_date")
        .values_list("business_date", flat=True)[:14]
    )
    return Page(
        tables=tables,
        extra={
            "run": run,
            "owners": owners,
            "grid": [r for r in grid if r["total"] or r["company"].pk in visible],
            "column_totals": column_totals,
            "recent_days": recent,
            "day": day,
        },
    )


def _positions(run: SettlementRun, visible: set[int]) -> Table:
    positions = (
        SettlementPosition.objects.filter(run=run, party_id__in=visible)
        .select_related("party")
        .order_by("party__code")
    )
    rows = [
        (
            p.party.code,
            p.party.name,
            p.collected_for_others,
            p.collected_by_others,
            p.net,
            p.transfer_reference,
        )
        for p in positions
    ]
    return Table(
        key="positions",
        title=_("Net positions of the settled day"),
        columns=(
            Column("code", _("Code"), "code"),
            Column("company", _("Company")),
            Column("for_others", _("Collected for other companies"), "money"),
            Column("by_others", _("Collected for it by others"), "money"),
            Column("net", _("Net position (+ receives, − pays)"), "signed_money"),
            Column("transfer", _("Transfer reference")),
        ),
        rows=rows,
        note=_("Net = collected for it by others − collected for other companies."),
    )
