"""Settlement statements: totals equal the settlement positions and the ledger netting, the
PDF carries Arabic text, the XLSX the same totals, and each company downloads only its own."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from kuwwa.collection.models import Payment
from kuwwa.core.clock import business_date
from kuwwa.core.money import to_major_decimal
from kuwwa.ledger.models import Posting
from kuwwa.organizations.models import Company
from kuwwa.settlement.models import SettlementPosition
from kuwwa.settlement.services import settlement_run
from kuwwa.settlement.statements import (
    DayNotSettled,
    statement_build,
    statement_html,
    statement_pdf,
    statement_xlsx,
)
from tests.backoffice.conftest import world  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def settled(world):  # noqa: F811
    day = business_date()
    run = settlement_run(actor=None, day=day, force=True)
    return world, day, run


def _ledger_netting(company: Company, day) -> tuple[int, int, int]:
    """From the company's settlement entry: (due-to others, due-from others, with 00)."""
    to_others = from_others = with_est = 0
    for code, amount in Posting.objects.filter(
        company=company, entry__kind="settlement", entry__business_date=day
    ).values_list("ledger_account__code", "amount"):
        kind, _sep, party = code.partition(":")
        if party == "00":
            with_est += amount
        elif kind == "due_to":
            to_others += amount
        elif kind == "due_from":
            from_others -= amount
    return to_others, from_others, with_est


@pytest.mark.parametrize("code", ["01", "03", "05"])
def test_statement_totals_equal_the_positions_and_the_ledger(settled, code) -> None:
    _world, day, run = settled
    company = Company.objects.get(code=code)
    st = statement_build(company=company, day=day)
    position = SettlementPosition.objects.filter(run=run, party=company).first()
    expected = (
        (position.collected_for_others, position.collected_by_others, position.net)
        if position
        else (0, 0, 0)
    )
    assert (st.collected_for_others, st.collected_by_others, st.net) == expected
    assert st.matches_settlement
    assert _ledger_netting(company, day) == (
        st.collected_for_others,
        st.collected_by_others,
        st.net,
    )
    posted = Payment.objects.filter(business_date=day, status="posted")
    assert len(st.for_others) == posted.filter(collector=company).exclude(company=company).count()
    assert len(st.by_others) == posted.filter(company=company).exclude(collector=company).count()
    assert sum(c.net for c in st.counterparties) == st.net


def test_the_known_day(settled) -> None:
    _world, day, _run = settled
    st01 = statement_build(company=Company.objects.get(code="01"), day=day)
    # 01 collected 12,345 for 03 (9,999 was reversed); 03 collected 2,000 for 01.
    assert st01.collected_for_others == 12_345_00
    assert st01.collected_by_others == 2_000_00
    assert st01.net == -10_345_00
    assert [c.code for c in st01.counterparties] == ["03"]


def test_pdf_in_arabic_and_english(settled) -> None:
    _world, day, _run = settled
    st = statement_build(company=Company.objects.get(code="01"), day=day)
    arabic = PdfReader(io.BytesIO(statement_pdf(st, language="ar"))).pages[0].extract_text()
    for word in st.company_name_ar.split()[:3]:
        assert word in arabic
    assert "لكهرباء" in arabic or "الكهرباء" in arabic
    english = "".join(
        p.extract_text() for p in PdfReader(io.BytesIO(statement_pdf(st, language="en"))).pages
    )
    assert "Settlement statement" in english
    assert "SYP 12,345" in english and "SYP 2,000" in english
    assert "10,345" in english
    html = statement_html(st, language="ar")
    assert 'dir="rtl"' in html


def test_xlsx_totals(settled) -> None:
    _world, day, run = settled
    company = Company.objects.get(code="03")
    st = statement_build(company=company, day=day)
    book = load_workbook(io.BytesIO(statement_xlsx(st, language="en")))
    assert book.sheetnames == ["summary", "collected_for_others", "collected_by_others"]
    summary = list(book["summary"].iter_rows(values_only=True))
    total = summary[-1]
    position = SettlementPosition.objects.get(run=run, party=company)
    assert total[0] == "Total"
    assert [Decimal(str(v)) for v in total[2:5]] == [
        to_major_decimal(position.collected_for_others),
        to_major_decimal(position.collected_by_others),
        to_major_decimal(position.net),
    ]
    for sheet, expected in (
        ("collected_for_others", st.collected_for_others),
        ("collected_by_others", st.collected_by_others),
    ):
        rows = list(book[sheet].iter_rows(values_only=True))
        assert Decimal(str(rows[-1][6])) == to_major_decimal(expected)
        assert sum(Decimal(str(r[6])) for r in rows[1:-1]) == to_major_decimal(expected)


def test_a_day_not_settled_has_no_statement(world) -> None:  # noqa: F811
    with pytest.raises(DayNotSettled):
        statement_build(company=Company.objects.get(code="01"), day=business_date())


def test_downloads_are_scoped(settled) -> None:
    data, day, _run = settled
    url = f"/backoffice/statements/{day.isoformat()}"
    admin01 = data.client(data.admin01)
    response = admin01.get(f"{url}/01.pdf?lang=ar")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert admin01.get(f"{url}/01.xlsx").status_code == 200
    assert admin01.get(f"{url}/03.pdf").status_code == 404
    assert admin01.get(f"{url}/03.xlsx").status_code == 404
    est = data.client(data.est_admin)
    assert est.get(f"{url}/03.xlsx").status_code == 200
    assert est.get("/backoffice/statements/2001-01-01/03.xlsx").status_code == 404
    assert est.get("/backoffice/statements/2001-13-41/03.xlsx").status_code == 404
    cashier = data.client(data.cashiers["01"][0])
    assert cashier.get(f"{url}/01.pdf").status_code == 403
    listing = admin01.get("/backoffice/statements/").content.decode()
    assert f"{url}/01.pdf" in listing and f"{url}/03.pdf" not in listing
