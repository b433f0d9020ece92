"""Back-office template helpers: numbers in the user's digits, tables, bars.

Templates cannot pass the digit preference to format_amount; these tags read `digits` from the
page context (set by the view from the cookie), so no template formats a number itself.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import get_language

from kuwwa.backoffice.formatting import Digits, fmt_cell
from kuwwa.backoffice.formatting import digits as to_digits
from kuwwa.backoffice.tables import NUMERIC, Table
from kuwwa.core.money import currency

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
    share = Decimal(value).copy_abs() * 100 / Decimal(str(largest))
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

    shown = table.rows if table.limit is None else table.rows[: table.limit]
    return {
        "table": table,
        "rows": [cells(r, False) for r in shown],
        "hidden_rows": len(table.rows) - len(shown),
        "total": cells(table.total, True) if table.total is not None else None,
        "export": export,
        "query": context.get("export_query", ""),
    }


@register.simple_tag
def currency_symbol() -> str:
    cur = currency()
    return cur.symbol_ar if (get_language() or "ar").startswith("ar") else cur.symbol_en


@register.simple_tag
def stack_bar(parts: list[tuple[str, int]], largest: int) -> SafeString:
    """A horizontal stacked bar (inline SVG, no script): one rect per part, scaled so that
    `largest` fills the width; each part has the class of its key for its colour."""
    rects = []
    x = Decimal(0)
    for key, value in parts:
        width = Decimal(bar_width(value, largest))
        if width > 0:
            rects.append((f"age-{key}", format(x, "f"), format(width, "f")))
            x += width
    body = format_html_join("", '<rect class="{}" x="{}" y="0" width="{}" height="10"/>', rects)
    return format_html(
        '<svg class="bo-stack-bar" viewBox="0 0 100 10" preserveAspectRatio="none" '
        'aria-hidden="true" focusable="false">{}</svg>',
        body,
    )
