"""Back-office template helpers: numbers in the user's digits, tables, bars.

Templates cannot pass the digit preference to format_amount; these tags read `digits` from the
page context (set by the view from the cookie), so no template formats a number itself.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template

from kuwwa.backoffice.formatting import Digits, fmt_cell
from kuwwa.backoffice.formatting import digits as to_digits
from kuwwa.backoffice.tables import NUMERIC, Table

register = template.Library()


def _pref(context: Any) -> Digits:
    value = context.get("digits", "arabic")
    return "latin" if value == "latin" else "arabic"


@register.simple_tag(takes_context=True)
def cell(context: Any, value: Any, kind: str = "text") -> str:
    """One value formatted by its kind (count, money, percent, date …) in the user's digits."""
    return fmt_cell(value, kind, _pref(context))


@register.simple_tag(takes_context=True)
def num(context: Any, value: Any) -> str:
    """Any text (a date, a code, a number) with its digits in the user's choice."""
    return to_digits(str(value), _pref(context))


def bar_width(value: Any, largest: Any) -> str:
    """Bar length in percent of the column's largest value, one decimal, never negative."""
    if not isinstance(value, int | Decimal) or not largest:
        return "0"
    share = Decimal(abs(value)) * 100 / Decimal(largest)
    return format(share.quantize(Decimal("0.1")), "f")


@register.inclusion_tag("backoffice/_table.html", takes_context=True)
def data_table(context: Any, table: Table, export: bool = True) -> dict[str, Any]:
    """A dashboard table: formatted cells, SVG bars where the column asks, export links."""
    pref = _pref(context)
    maxima = {i: table.column_max(i) for i, c in enumerate(table.columns) if c.bar}

    def cells(row: tuple[Any, ...], total: bool) -> list[dict[str, Any]]:
        return [
            {
                "text": fmt_cell(value, column.kind, pref),
                "numeric": column.kind in NUMERIC,
                "bar": None if total or i not in maxima else bar_width(value, maxima[i]),
                "negative": isinstance(value, int | Decimal) and value < 0,
            }
            for i, (value, column) in enumerate(zip(row, table.columns, strict=True))
        ]

    return {
        "table": table,
        "rows": [cells(r, False) for r in table.rows],
        "total": cells(table.total, True) if table.total is not None else None,
        "export": export,
        "query": context.get("export_query", ""),
    }
