"""Dashboards: who may open them, what each scope sees, and figures equal to a direct
computation from the Payment, Bill, Shift, MeterReading and Complaint rows."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

import pytest
from django.test import Client
from tests.backoffice.conftest import SECRET_03

from kuwwa.backoffice.formatting import fmt_money
from kuwwa.backoffice.periods import current_period
from kuwwa.backoffice.refresh import stats_refresh
from kuwwa.backoffice.selectors.bills import aging_table, bucket_of, rate_table
from kuwwa.backoffice.selectors.collections import by_center, by_channel, by_company
from kuwwa.backoffice.selectors.complaints import complaints_tables
from kuwwa.backoffice.selectors.matrix import heat_level, matrix_page
from kuwwa.backoffice.selectors.readings import readings_table
from kuwwa.backoffice.selectors.staff import over_short, top_cashiers, top_centers
from kuwwa.billing.models import Bill, MeterReading
from kuwwa.cashiering.models import Shift
from kuwwa.collection.models import Channel, Payment
from kuwwa.core.clock import business_date
from kuwwa.organizations.roles import Role
from kuwwa.settlement.services import settlement_run

pytestmark = pytest.mark.django_db

PAGES = [
    "/backoffice/",
    "/backoffice/rate/",
    "/backoffice/arrears/",
    "/backoffice/matrix/",
    "/backoffice/centers/",
    "/backoffice/centers/?period=today",
    "/backoffice/readings/",
    "/backoffice/complaints/",
    "/backoffice/statements/",
]


# 03's own figures: what it collected for itself (the matrix diagonal), what was collected for
# it in all (its company row) and at its centers (its center row).
SECRETS = (SECRET_03, SECRET_03 + 12_345_00, SECRET_03 + 2_000_00)
OWN_01 = 50_000_00 + 2_000_00  # collected for 01 today (its company row)


def _secret_forms() -> list[str]:
    return [fmt_money(v, d) for v in SECRETS for d in ("arabic", "latin")]


def _posted(**filters) -> list[Payment]:
    return list(Payment.objects.filter(status="posted", **filters))


# ---- access ----------------------------------------------------------------------------


def test_anonymous_is_sent_to_login_and_counter_staff_are_refused(world) -> None:
    response = Client().get("/backoffice/")
    assert response.status_code == 302 and "/login/" in response["Location"]
    cashier = world.cashiers["01"][0]
    for url in PAGES:
        assert world.client(cashier).get(url).status_code == 403


def test_non_staff_company_user_is_refused(world, make_user) -> None:
    user = make_user(Role.ACCOUNTANT, "01", username="not-staff")
    user.is_staff = False
    user.save()
    assert world.client(user).get("/backoffice/").status_code == 403


@pytest.mark.parametrize("url", PAGES)
def test_every_page_renders_for_both_scopes(world, url) -> None:
    for user in (world.est_admin, world.admin01):
        response = world.client(user).get(url)
        assert response.status_code == 200, url
        assert response["Cache-Control"] == "no-store"


# ---- scope -----------------------------------------------------------------------------


def test_company_admin_of_01_never_sees_03s_figures(world) -> None:
    client = world.client(world.admin01)
    for url in PAGES:
        html = client.get(url).content.decode()
        for form in _secret_forms():
            assert form not in html, (url, form)
    user, period = world.admin01, current_period(world.admin01)
    stats_refresh()
    assert {r[0] for r in by_company(user=user, period=period).rows} == {"01"}
    assert {r[0] for r in by_center(user=user, period=period).rows} == {"01"}
    assert {r[0] for r in rate_table(user=user).rows} == {"01"}
    assert {r[0] for r in aging_table(user=user, today=business_date()).rows} == {"01"}
    assert {r[0] for r in readings_table(user=user).rows} <= {"01"}
    assert {r[0] for r in over_short(user=user, period=period, key="cycle").rows} <= {"01"}
    page = matrix_page(user=user, day=business_date())
    cells = page.table("cells")
    assert all("01" in (r[0], r[1]) for r in cells.rows)
    for row in page.extra["grid"]:
        for cell, owner in zip(row["cells"], page.extra["owners"], strict=True):
            if "01" not in (row["company"].code, owner.code):
                assert cell.hidden and (cell.amount == 0 or cell.hidden)


def test_establishment_sees_every_company(world) -> None:
    client = world.client(world.est_admin)
    html = client.get("/backoffice/").content.decode()
    assert fmt_money(SECRETS[1], "arabic") in html and fmt_money(SECRETS[2], "arabic") in html
    stats_refresh()
    period = current_period(world.est_admin)
    assert len(by_company(user=world.est_admin, period=period).rows) == 14
    matrix_html = client.get("/backoffice/matrix/").content.decode()
    assert fmt_money(SECRET_03, "arabic") in matrix_html


def test_company_admin_of_03_sees_03_but_not_01s_own_collections(world) -> None:
    html = world.client(world.admin03).get("/backoffice/").content.decode()
    assert fmt_money(SECRETS[1], "arabic") in html
    assert fmt_money(OWN_01, "arabic") not in html  # what was collected for 01


# ---- figures equal the rows -------------------------------------------------------------


def test_collections_equal_the_payments(world) -> None:
    stats_refresh()
    user, period = world.est_admin, current_period(world.est_admin)
    today = business_date()
    table = by_company(user=user, period=period)
    for code, _name, tp, ta, cp, ca in table.rows:
        rows = _posted(company__code=code, business_date=today)
        assert (tp, ta) == (len(rows), sum(p.amount for p in rows)), code
        cycle_rows = _posted(company__code=code, business_date__gte=period.cycle_start)
        assert (cp, ca) == (len(cycle_rows), sum(p.amount for p in cycle_rows))
    assert table.total[3] == sum(p.amount for p in _posted(business_date=today))
    channels = {r[0]: r for r in by_channel(user=user, period=period).rows}
    assert channels[str(Channel.COUNTER.label)][2] == sum(p.amount for p in _posted())
    centers = by_center(user=user, period=period).rows
    expected: dict[str, int] = defaultdict(int)
    for p in _posted():
        expected[p.center.code + p.collector.code] += p.amount
    assert {r[1] + r[0]: r[4] for r in centers} == dict(expected)


def test_collection_rate_and_aging_equal_the_bills(world) -> None:
    stats_refresh()
    user, today = world.est_admin, business_date()
    for code, _n, cycle, bills, billed, paid, outstanding, rate in rate_table(user=user).rows:
        rows = Bill.objects.filter(company__code=code, cycle__code=cycle, total__gt=0)
        assert bills == rows.count()
        assert billed == sum(b.total + b.adjusted for b in rows)
        assert paid == sum(b.paid for b in rows)
        assert outstanding == billed - paid
        assert rate == (Decimal(paid * 100) / billed).quantize(Decimal("0.1"))
    aging = {r[0]: r for r in aging_table(user=user, today=today).rows}
    for code in ("01", "03"):
        expected: dict[str, int] = defaultdict(int)
        for b in Bill.objects.filter(company__code=code, status__in=("open", "partly_paid")):
            expected[bucket_of((today - b.due_date).days)] += b.total + b.adjusted - b.paid
        keys = ["not_due", "d0_60", "d61_180", "d181_365", "d365_plus"]
        assert list(aging[code][2:7]) == [expected.get(k, 0) for k in keys]
        assert aging[code][8] == sum(expected.values())


def test_aging_buckets_edges() -> None:
    assert bucket_of(-1) == "not_due"
    assert bucket_of(0) == bucket_of(60) == "d0_60"
    assert bucket_of(61) == bucket_of(180) == "d61_180"
    assert bucket_of(181) == bucket_of(365) == "d181_365"
    assert bucket_of(366) == "d365_plus"


def test_matrix_today_live_then_settled(world) -> None:
    stats_refresh()
    day = business_date()
    live = {
        (r[0], r[1]): (r[2], r[3])
        for r in matrix_page(user=world.est_admin, day=day).table("cells").rows
    }
    expected: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for p in _posted(business_date=day):
        expected[(p.collector.code, p.company.code)][0] += 1
        expected[(p.collector.code, p.company.code)][1] += p.amount
    assert live == {k: tuple(v) for k, v in expected.items()}
    settlement_run(actor=None, day=day, force=True)
    page = matrix_page(user=world.est_admin, day=day)
    assert page.extra["run"] is not None
    assert {(r[0], r[1]): (r[2], r[3]) for r in page.table("cells").rows} == live
    positions = {r[0]: r[4] for r in page.table("positions").rows}
    assert sum(positions.values()) == 0


def test_heat_levels() -> None:
    assert heat_level(0, 100) == 0
    assert heat_level(1, 100) == 1
    assert heat_level(100, 100) == 9
    assert 1 <= heat_level(50, 100) <= 9


def test_top_centers_cashiers_and_over_short(world) -> None:
    stats_refresh()
    user, period = world.est_admin, current_period(world.est_admin)
    centers = top_centers(user=user, period=period, key="cycle").rows
    assert [r[0] for r in centers] == list(range(1, len(centers) + 1))
    assert [r[5] for r in centers] == sorted((r[5] for r in centers), reverse=True)
    cashiers = top_cashiers(user=user, period=period, key="today").rows
    by_cashier: dict[int, int] = defaultdict(int)
    for p in _posted(business_date=business_date()):
        by_cashier[p.cashier_id] += p.amount
    assert sorted(r[4] for r in cashiers) == sorted(by_cashier.values())
    rows = over_short(user=user, period=period, key="cycle").rows
    shift = Shift.objects.get(over_short__isnull=False)
    assert len(rows) == 1 and rows[0][8] == shift.over_short < 0
    assert rows[0][4] == 1 and rows[0][5] == shift.over_short


def test_readings_share(world) -> None:
    stats_refresh()
    rows = readings_table(user=world.est_admin).rows
    latest01 = next(r for r in rows if r[0] == "01")
    cycle_rows = MeterReading.objects.filter(company__code="01", cycle__code=latest01[2])
    citizen = cycle_rows.filter(source="citizen").count()
    people = cycle_rows.exclude(source="estimated").count()
    assert latest01[4] == citizen == 2
    assert latest01[7] == people
    assert latest01[8] == (Decimal(citizen * 100) / people).quantize(Decimal("0.1"))


def test_complaints_counts_and_resolution_times(world) -> None:
    period = current_period(world.est_admin)
    status, times, _reasons = complaints_tables(user=world.est_admin, period=period, key="today")
    row01 = next(r for r in status.rows if r[0] == "01")
    assert row01[7] == 1  # still open
    t01 = next(r for r in times.rows if r[0] == "01")
    assert t01[2] == 1 and t01[3] == Decimal("2.0") and t01[5] == Decimal("100.0")
    t03 = next(r for r in times.rows if r[0] == "03")
    assert t03[3] == Decimal("10.0") and t03[5] == Decimal("0.0")
    assert times.total[2] == 2


def test_period_falls_back_to_the_month_without_cycles(make_user) -> None:
    user = make_user(Role.COMPANY_ADMIN, "14", username="admin14")
    period = current_period(user, today=dt.date(2030, 5, 17))
    assert period.cycle_start == dt.date(2030, 5, 1)


# ---- digits ------------------------------------------------------------------------------


def test_digit_toggle_switches_every_number(world) -> None:
    client = world.client(world.admin01)
    arabic = client.get("/backoffice/").content.decode()
    assert fmt_money(OWN_01, "arabic") in arabic  # Arabic-Indic by default in Arabic
    response = client.post("/backoffice/digits/", {"digits": "latin", "next": "/backoffice/"})
    assert response.status_code == 302 and response["Location"] == "/backoffice/"
    latin = client.get("/backoffice/").content.decode()
    assert "52,000" in latin and fmt_money(OWN_01, "arabic") not in latin
    client.post("/backoffice/digits/", {"digits": "arabic", "next": "/backoffice/"})
    assert fmt_money(OWN_01, "arabic") in client.get("/backoffice/").content.decode()


def test_digit_toggle_refuses_foreign_redirects_and_bad_values(world) -> None:
    client = world.client(world.admin01)
    response = client.post(
        "/backoffice/digits/", {"digits": "roman", "next": "https://evil.example/"}
    )
    assert response["Location"] == "/backoffice/"
    assert "kuwwa_digits" not in response.cookies
    assert client.get("/backoffice/digits/").status_code == 405


def test_english_page_defaults_to_latin_digits(world) -> None:
    client = world.client(world.admin01)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = client.get("/backoffice/").content.decode()
    assert "52,000" in html


def test_a_failing_lazy_refresh_does_not_take_the_page_down(world, monkeypatch) -> None:
    from django.db import DatabaseError

    def broken(**_kw):
        raise DatabaseError("simulated")

    monkeypatch.setattr("kuwwa.backoffice.views.stats_refresh", broken)
    assert world.client(world.admin01).get("/backoffice/").status_code == 200
