"""Every dashboard table downloads as CSV and XLSX with the same rows as the page."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from kuwwa.backoffice.exports import table_csv, table_xlsx
from kuwwa.backoffice.periods import current_period
from kuwwa.backoffice.refresh import stats_refresh
from kuwwa.backoffice.selectors.collections import by_company
from kuwwa.backoffice.tables import Column, Table
from kuwwa.core.money import to_major_decimal

pytestmark = pytest.mark.django_db

# (page, table keys) of every dashboard.
TABLES = [
    ("/backoffice/", ["by_company", "by_center", "by_channel"]),
    ("/backoffice/rate/", ["rate"]),
    ("/backoffice/arrears/", ["aging"]),
    ("/backoffice/matrix/", ["matrix", "cells"]),
    ("/backoffice/centers/", ["top_centers", "top_cashiers", "over_short"]),
    ("/backoffice/readings/", ["readings"]),
    ("/backoffice/complaints/", ["complaints", "resolution", "reasons"]),
]


def _csv_rows(content: bytes) -> list[list[str]]:
    assert content.startswith(b"\xef\xbb\xbf")  # BOM: spreadsheets read the Arabic
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


@pytest.mark.parametrize(("url", "keys"), TABLES)
def test_each_table_exports_to_csv_and_xlsx(world, url, keys) -> None:
    client = world.client(world.est_admin)
    for key in keys:
        response = client.get(url, {"export": "csv", "table": key})
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/csv")
        assert f"kuwwa-{key}-" in response["Content-Disposition"]
        rows = _csv_rows(response.content)
        response = client.get(url, {"export": "xlsx", "table": key})
        assert response["Content-Type"].startswith("application/vnd.openxmlformats")
        sheet = load_workbook(io.BytesIO(response.content)).active
        values = [
            [("" if v is None else v) for v in row] for row in sheet.iter_rows(values_only=True)
        ]
        assert len(values) == len(rows) >= 2  # header + at least a total row
        assert [str(v) for v in values[0]] == rows[0]


def test_export_values_equal_the_table(world) -> None:
    stats_refresh()
    table = by_company(user=world.est_admin, period=current_period(world.est_admin))
    rows = _csv_rows(table_csv(table))
    assert rows[0][0] == "الرمز" or rows[0][0] == "Code"
    assert len(rows) == 1 + len(table.rows) + 1
    for line, row in zip(rows[1:], table.rows, strict=False):
        assert line[0] == row[0]
        assert int(line[2]) == row[2]
        assert Decimal(line[3]) == to_major_decimal(row[3])
        assert Decimal(line[5]) == to_major_decimal(row[5])
    sheet = load_workbook(io.BytesIO(table_xlsx(table))).active
    data = list(sheet.iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in data[:-1]] == [r[0] for r in table.rows]
    assert [Decimal(str(r[3])) for r in data[:-1]] == [to_major_decimal(r[3]) for r in table.rows]
    assert Decimal(str(data[-1][5])) == to_major_decimal(table.total[5])


def test_export_keeps_the_page_filters(world) -> None:
    html = world.client(world.est_admin).get("/backoffice/centers/?period=today").content.decode()
    assert "?period=today&amp;export=csv&amp;table=top_centers" in html


def test_money_is_written_exactly_never_as_float() -> None:
    table = Table(
        key="t",
        title="t",
        columns=(Column("a", "a", "money"), Column("b", "b", "percent")),
        rows=[(123_456_789_012_345, Decimal("12.5"))],
    )
    assert _csv_rows(table_csv(table))[1] == ["1234567890123.45", "12.5"]
    sheet = load_workbook(io.BytesIO(table_xlsx(table))).active
    assert sheet.cell(row=2, column=1).number_format == "#,##0.00"
