"""A dashboard table as data: columns with a kind, rows of raw values, an optional total.

The same `Table` is rendered as HTML (formatted in the user's digits), written to CSV and
XLSX (raw values, money in major units), so a page and its export can never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal

Kind = Literal[
    "text", "code", "count", "money", "signed_money", "percent", "days", "date", "moment"
]
NUMERIC: frozenset[str] = frozenset({"count", "money", "signed_money", "percent", "days"})


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: Kind = "text"
    bar: bool = False  # draw a bar proportional to the column's largest value

    @property
    def numeric(self) -> bool:
        return self.kind in NUMERIC


@dataclass
class Table:
    key: str
    title: str
    columns: tuple[Column, ...]
    rows: list[tuple[Any, ...]] = field(default_factory=list)
    total: tuple[Any, ...] | None = None
    note: str = ""
    limit: int | None = None  # rows shown on the page; exports always have every row

    def column_max(self, index: int) -> int | Decimal:
        values = [r[index] for r in self.rows if isinstance(r[index], int | Decimal)]
        return max((abs(v) for v in values), default=0)


def percent(part: int, whole: int) -> Decimal | None:
    """part/whole as a percentage with one decimal, half up; None when whole is 0."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), ROUND_HALF_UP)


def sum_column(rows: list[tuple[Any, ...]], index: int) -> int:
    return sum(int(r[index] or 0) for r in rows)


@dataclass(frozen=True)
class Card:
    """One headline figure above the tables."""

    label: str
    value: Any
    kind: Kind = "money"


@dataclass
class Page:
    """What a dashboard selector returns: headline cards, tables, and page-specific extras."""

    tables: list[Table]
    cards: list[Card] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    def table(self, key: str) -> Table | None:
        return next((t for t in self.tables if t.key == key), None)
