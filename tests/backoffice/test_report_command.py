"""`kuwwa report collections`: by day, collecting company, owning company and channel."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook

from kuwwa.collection.models import Payment
from kuwwa.core.clock import business_date
from kuwwa.core.money import to_major_decimal

pytestmark = pytest.mark.django_db


def _expected(company: str | None) -> dict[tuple[str, str, str, str], tuple[int, Decimal]]:
    sums: dict[tuple[str, str, str, str], list[int]] = defaultdict(lambda: [0, 0])
    for p in Payment.objects.filter(status="posted").select_related("company", "collector"):
        if company and company not in (p.company.code, p.collector.code):
            continue
        key = (p.business_date.isoformat(), p.collector.code, p.company.code, p.channel)
        sums[key][0] += 1
        sums[key][1] += p.amount
    return {k: (n, to_major_decimal(a)) for k, (n, a) in sums.items()}


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command("report", "collections", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.mark.parametrize("code", ["all", "01", "03"])
def test_csv_report_equals_the_payments(world, code) -> None:
    day = business_date().isoformat()
    text = _run("--from", day, "--to", day, "--company", code, "--format", "csv")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == [
        "Business day",
        "Collecting company",
        "Owning company",
        "Channel code",
        "Channel",
        "Payments",
        "Amount (SYP)",
    ]
    body, total = rows[1:-1], rows[-1]
    got = {(r[0], r[1], r[2], r[3]): (int(r[5]), Decimal(r[6])) for r in body}
    assert got == _expected(None if code == "all" else code)
    assert total[0] == "Total"
    assert Decimal(total[6]) == sum(v[1] for v in got.values())


def test_xlsx_report_to_a_file(world, tmp_path) -> None:
    day = business_date().isoformat()
    target = tmp_path / "collections.xlsx"
    _run(
        "--from", day, "--to", day, "--company", "all", "--format", "xlsx", "--output", str(target)
    )
    sheet = load_workbook(target).active
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    expected = _expected(None)
    assert len(rows) - 1 == len(expected)
    assert Decimal(str(rows[-1][6])) == sum(v[1] for v in expected.values())


def test_report_refuses_bad_arguments(world) -> None:
    day = business_date().isoformat()
    with pytest.raises(CommandError, match="unknown company"):
        _run("--from", day, "--to", day, "--company", "99")
    with pytest.raises(CommandError, match="before"):
        _run("--from", day, "--to", "2000-01-01")
    with pytest.raises(CommandError, match="needs --output"):
        _run("--from", day, "--to", day, "--format", "xlsx")
    with pytest.raises(CommandError, match="not a date"):
        _run("--from", "yesterday", "--to", day)


def test_report_of_an_empty_range(world) -> None:
    rows = list(csv.reader(io.StringIO(_run("--from", "2001-01-01", "--to", "2001-01-31"))))
    assert len(rows) == 2 and rows[1][5] == "0"
