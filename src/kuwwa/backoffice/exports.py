"""Any dashboard `Table` as CSV or XLSX: the same rows as the page, raw values.

Money is written in major units as an exact decimal (kuwwa.core.money.to_major_decimal),
never a float; CSV is UTF-8 with a byte-order mark so spreadsheet programs read Arabic.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from typing import Any

from django.utils.translation import get_language

from kuwwa.backoffice.tables import Column, Table
from kuwwa.core.money import currency, to_major_decimal


def _header(column: Column) -> str:
    if column.kind in ("money", "signed_money"):
        return f"{column.label} ({currency().code})"
    return column.label


def _value(value: Any, kind: str) -> Any:
    if value is None:
        return None
    if kind in ("money", "signed_money"):
        return to_major_decimal(int(value))
    return value


def _rows(table: Table) -> list[list[Any]]:
    rows = [
        [_value(v, c.kind) for v, c in zip(row, table.columns, strict=True)] for row in table.rows
    ]
    if table.total is not None:
        rows.append([_value(v, c.kind) for v, c in zip(table.total, table.columns, strict=True)])
    return rows


def table_csv(table: Table) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_header(c) for c in table.columns])
    for row in _rows(table):
        writer.writerow(["" if v is None else _csv_text(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _csv_text(value: Any) -> str:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


_FORMATS = {
    "money": "#,##0.00",
    "signed_money": "+#,##0.00;-#,##0.00;0",
    "count": "#,##0",
    "percent": "0.0",
    "days": "0.0",
    "date": "yyyy-mm-dd",
}


def table_xlsx(table: Table) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = table.key[:31]
    sheet.sheet_view.rightToLeft = (get_language() or "ar").startswith("ar")
    sheet.append([_header(c) for c in table.columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in _rows(table):
        sheet.append(row)
    for index, column in enumerate(table.columns, start=1):
        fmt = _FORMATS.get(column.kind)
        letter = sheet.cell(row=1, column=index).column_letter
        sheet.column_dimensions[letter].width = max(12, len(_header(column)) + 2)
        if fmt:
            for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                cell.number_format = fmt
    if table.total is not None:
        for cell in sheet[sheet.max_row]:
            cell.font = Font(bold=True)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
