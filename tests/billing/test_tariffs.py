"""Tariffs: exact arithmetic at the band edges, validation, versions in force, the admin.

The arithmetic tests carry no django_db mark: tariff_compute on a spec must not touch the
database (pytest-django would refuse the query).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from kuwwa.accounts.models import Category
from kuwwa.billing import tariffs as tariffs_module
from kuwwa.billing.models import BillLine, Tariff, TariffBand, TariffCharge
from kuwwa.billing.tariffs import (
    CHARGE,
    FEE,
    MARGINAL,
    SLAB,
    BandSpec,
    ChargeSpec,
    NoTariffInForce,
    TariffSpec,
    tariff_compute,
    tariff_create,
    tariff_in_force,
    tariff_validate,
    tariffs_in_force_map,
)
from kuwwa.core.errors import PermissionDenied, ValidationFailed
from kuwwa.core.models import AuditEvent
from kuwwa.organizations.roles import Role

SYP = 100  # minor units per pound (ISO 4217 exponent 2)
HOUSEHOLD_BANDS = (BandSpec(0, 300, Decimal(600)), BandSpec(300, None, Decimal(1400)))
METER_RENT = ChargeSpec(CHARGE, "meter_rent", "أجرة العداد", "meter rent", 0)


def household(method: str = MARGINAL, *charges: ChargeSpec) -> TariffSpec:
    return TariffSpec(method, HOUSEHOLD_BANDS, (METER_RENT, *charges))


def energy(lines: list[BillLine]) -> list[tuple[str, int | None, int]]:
    return [(x.code, x.kwh, x.amount) for x in lines if x.kind == "energy"]


# --- arithmetic (pure) ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwh", "expected"),
    [
        (0, [("band-1", 0, 0)]),
        (300, [("band-1", 300, 300 * 600 * SYP)]),
        (301, [("band-1", 300, 300 * 600 * SYP), ("band-2", 1, 1400 * SYP)]),
        (450, [("band-1", 300, 180_000 * SYP), ("band-2", 150, 210_000 * SYP)]),
    ],
)
def test_marginal_at_the_band_edges(kwh: int, expected: list[Any]) -> None:
    lines = tariff_compute(tariff=household(), kwh=kwh)
    assert energy(lines) == expected
    assert lines[-1] == BillLine("charge", "meter_rent", "أجرة العداد", "meter rent", None, None, 0)


def test_the_worked_example_of_the_docs() -> None:
    lines = tariff_compute(tariff=household(), kwh=450)
    assert sum(x.amount for x in lines) == 390_000 * SYP
    assert [x.unit_price for x in lines] == [Decimal(600), Decimal(1400), None]


@pytest.mark.parametrize(
    ("kwh", "code", "amount"),
    [(0, "band-1", 0), (300, "band-1", 300 * 600 * SYP), (301, "band-2", 301 * 1400 * SYP)],
)
def test_slab_prices_all_kwh_at_the_band_reached(kwh: int, code: str, amount: int) -> None:
    assert energy(tariff_compute(tariff=household(SLAB), kwh=kwh)) == [(code, kwh, amount)]


def test_very_large_consumption_is_exact() -> None:
    kwh = 10**9
    marginal = tariff_compute(tariff=household(), kwh=kwh)
    assert sum(x.amount for x in marginal) == (300 * 600 + (kwh - 300) * 1400) * SYP
    assert sum(x.amount for x in marginal) == 139_999_976_000_000
    slab = tariff_compute(tariff=household(SLAB), kwh=kwh)
    assert sum(x.amount for x in slab) == kwh * 1400 * SYP
    assert all(isinstance(x.amount, int) for x in marginal + slab)
    with pytest.raises(ValidationFailed):
        tariff_compute(tariff=household(), kwh=10**13)  # beyond what a money field holds


def test_each_line_is_rounded_once_half_up() -> None:
    spec = TariffSpec(MARGINAL, (BandSpec(0, None, Decimal("0.125")),))
    # 3 × 0.125 = 0.375 pounds = 37.5 piastres → 38; never 0.38 per kWh × 3.
    assert tariff_compute(tariff=spec, kwh=3)[0].amount == 38


def test_charges_then_fees_fixed_and_percentage() -> None:
    spec = household(
        MARGINAL,
        ChargeSpec(FEE, "service_fee", "رسم الخدمة", "service fee", 500 * SYP),
        ChargeSpec(FEE, "stamp", "رسم الطابع", "stamp duty", 0, Decimal("1.5")),
    )
    lines = tariff_compute(tariff=spec, kwh=450)
    assert [(x.kind, x.code) for x in lines] == [
        ("energy", "band-1"),
        ("energy", "band-2"),
        ("charge", "meter_rent"),
        ("fee", "service_fee"),
        ("fee", "stamp"),
    ]
    assert lines[3].amount == 50_000
    assert lines[4].amount == 5_850 * SYP  # 1.5 % of 390,000 pounds
    assert lines[4].kwh is None and lines[4].unit_price is None


@pytest.mark.parametrize("kwh", [-1, 1.5, True, "10"])
def test_consumption_must_be_whole_and_not_negative(kwh: Any) -> None:
    with pytest.raises(ValidationFailed):
        tariff_compute(tariff=household(), kwh=kwh)


prices = st.decimals(min_value=0, max_value=100_000, places=4, allow_nan=False)


@st.composite
def marginal_tariffs(draw: st.DrawFn) -> TariffSpec:
    edges = sorted(draw(st.sets(st.integers(1, 5_000), max_size=5)))
    starts = [0, *edges]
    ends: list[int | None] = [*edges, None]
    bands = tuple(BandSpec(a, b, draw(prices)) for a, b in zip(starts, ends, strict=True))
    return TariffSpec(MARGINAL, bands)


@given(spec=marginal_tariffs(), kwh=st.integers(0, 20_000), more=st.integers(0, 20_000))
def test_marginal_energy_is_monotonic_and_bills_every_kwh(
    spec: TariffSpec, kwh: int, more: int
) -> None:
    lines = tariff_compute(tariff=spec, kwh=kwh)
    assert sum(x.kwh or 0 for x in lines if x.kind == "energy") == kwh
    total = sum(x.amount for x in lines if x.kind == "energy")
    bigger = tariff_compute(tariff=spec, kwh=kwh + more)
    assert sum(x.amount for x in bigger if x.kind == "energy") >= total


# --- validation (pure) ------------------------------------------------------------------------


def _bands(*rows: tuple[int, int | None, str]) -> list[BandSpec]:
    return [BandSpec(a, b, Decimal(p)) for a, b, p in rows]


@pytest.mark.parametrize(
    "bands",
    [
        _bands((0, 300, "600"), (400, None, "1400")),  # gap
        _bands((0, 300, "600"), (200, None, "1400")),  # overlap
        _bands((0, 300, "600"), (300, 200, "900"), (200, None, "1400")),  # decreasing
        _bands((0, None, "600"), (300, None, "1400")),  # open band not last
        _bands((0, 300, "600"), (300, 500, "1400")),  # last band closed
        _bands((100, None, "600")),  # does not start at 0
        _bands((0, 300, "-1"), (300, None, "1400")),  # negative price
        [],
    ],
    ids=["gap", "overlap", "decreasing", "open-not-last", "closed-last", "not-from-0", "neg", "0"],
)
def test_validation_refuses_bad_bands(bands: list[BandSpec]) -> None:
    with pytest.raises(ValidationFailed):
        tariff_validate(method=MARGINAL, bands=bands)
    with pytest.raises(ValidationFailed):
        tariff_compute(tariff=TariffSpec(MARGINAL, tuple(bands)), kwh=10)


@pytest.mark.parametrize(
    "charge",
    [
        ChargeSpec(FEE, "f", "ر", "f", 0, Decimal("100.01")),
        ChargeSpec(FEE, "f", "ر", "f", 0, Decimal("-1")),
        ChargeSpec(CHARGE, "f", "ر", "f", 0, Decimal("5")),  # a percentage on a charge
        ChargeSpec(FEE, "f", "ر", "f", 100, Decimal("5")),  # both fixed and percentage
        ChargeSpec(CHARGE, "f", "ر", "f", -1),
        ChargeSpec(CHARGE, "meter_rent", "ر", "f", 0),  # duplicate code
    ],
)
def test_validation_refuses_bad_charges_and_fees(charge: ChargeSpec) -> None:
    with pytest.raises(ValidationFailed):
        tariff_validate(method=MARGINAL, bands=HOUSEHOLD_BANDS, charges=[METER_RENT, charge])


def test_validation_accepts_bands_in_any_order_and_a_full_fee() -> None:
    tariff_validate(
        method=SLAB,
        bands=list(reversed(HOUSEHOLD_BANDS)),
        charges=[ChargeSpec(FEE, "all", "ر", "f", 0, Decimal(100))],
    )


# --- seeded tariffs and versions ---------------------------------------------------------------

JUNE_2026 = dt.date(2026, 6, 1)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("category", "kwh", "pounds", "provisional"),
    [
        (Category.HOUSEHOLD, 450, 300 * 600 + 150 * 1400, False),
        (Category.HOUSEHOLD, 300, 300 * 600, False),
        (Category.EXEMPT, 450, 450 * 1700, False),
        (Category.INDUSTRIAL, 450, 450 * 1800, False),
        (Category.COMMERCIAL, 450, 450 * 1400, True),
        (Category.AGRICULTURAL, 450, 300 * 600 + 150 * 1400, True),
        (Category.PUBLIC, 450, 450 * 1400, True),
    ],
)
def test_seeded_tariffs_are_in_force(
    category: str, kwh: int, pounds: int, provisional: bool
) -> None:
    tariff = tariff_in_force(category=category, on=JUNE_2026)
    assert tariff.effective_from == dt.date(2025, 11, 1) and tariff.cycle_months == 2
    lines = tariff_compute(tariff=tariff, kwh=kwh)
    assert sum(x.amount for x in lines) == pounds * SYP
    assert [(x.code, x.amount) for x in lines if x.kind == "charge"] == [("meter_rent", 0)]
    assert ("مؤقتة — بانتظار القرار" in tariff.name_ar) is provisional
    assert ("provisional — awaiting decision" in tariff.decision_ref) is provisional


@pytest.mark.django_db
def test_the_latest_effective_version_applies_and_none_before_the_first() -> None:
    for category in Category.values:
        with pytest.raises(NoTariffInForce) as info:
            tariff_in_force(category=category, on=dt.date(2025, 10, 31))
        assert info.value.code == "NO_TARIFF_IN_FORCE"
    seeded = tariff_in_force(category=Category.HOUSEHOLD, on=JUNE_2026)
    newer = tariff_create(
        actor=None,
        category=Category.HOUSEHOLD,
        effective_from=dt.date(2026, 3, 1),
        name_ar="التعرفة المنزلية 2026",
        name_en="Household tariff 2026",
        bands=_bands((0, 200, "700"), (200, None, "1500")),
    )
    assert tariff_in_force(category=Category.HOUSEHOLD, on=dt.date(2026, 2, 28)) == seeded
    assert tariff_in_force(category=Category.HOUSEHOLD, on=dt.date(2026, 3, 1)) == newer
    assert tariff_in_force(category=Category.HOUSEHOLD, on=JUNE_2026) == newer
    lines = tariff_compute(tariff=newer, kwh=201)
    assert sum(x.amount for x in lines) == (200 * 700 + 1500) * SYP
    assert [x.code for x in lines] == ["band-1", "band-2", "meter_rent"]  # added for the bill
    actions = set(
        AuditEvent.objects.filter(object_id=str(newer.pk)).values_list("action", flat=True)
    )
    assert actions == {"tariff.create", "tariff.lines"}


@pytest.mark.django_db
def test_pricing_many_bills_costs_no_query(django_assert_num_queries: Any) -> None:
    by_category = tariffs_in_force_map(JUNE_2026)
    assert set(by_category) == set(Category.values)
    with django_assert_num_queries(0):
        for kwh in range(0, 5_000, 7):
            for tariff in by_category.values():
                tariff_compute(tariff=tariff, kwh=kwh)
    with django_assert_num_queries(1):  # the freshness check only
        tariffs_in_force_map(JUNE_2026)


@pytest.mark.django_db
def test_services_refuse_bad_tariffs_and_other_users(make_user: Any) -> None:
    base: dict[str, Any] = {
        "category": Category.HOUSEHOLD,
        "effective_from": dt.date(2025, 11, 1),
        "name_ar": "س",
        "name_en": "x",
        "bands": list(HOUSEHOLD_BANDS),
    }
    before = (Tariff.objects.count(), AuditEvent.objects.count())
    with pytest.raises(ValidationFailed):  # that date is taken
        tariff_create(actor=None, **base)
    with pytest.raises(ValidationFailed):
        tariff_create(
            actor=None, **{**base, "effective_from": JUNE_2026, "bands": _bands((0, 5, "1"))}
        )
    with pytest.raises(PermissionDenied):
        tariff_create(actor=make_user(Role.COMPANY_ADMIN, "01"), **base)
    assert (Tariff.objects.count(), AuditEvent.objects.count()) == before
    admin = make_user(Role.ESTABLISHMENT_ADMIN)
    assert tariff_create(actor=admin, **{**base, "effective_from": JUNE_2026}).pk


# --- the admin --------------------------------------------------------------------------------

ADD_URL = "/admin/billing/tariff/add/"


def _admin_post(bands: list[tuple[str, str, str]], **fields: str) -> dict[str, str]:
    data = {
        "category": "household",
        "effective_from": "2026-09-01",
        "name_ar": "التعرفة المنزلية الجديدة",
        "name_en": "New household tariff",
        "decision_ref": "قرار رقم 1",
        "method": "marginal",
        "cycle_months": "2",
        "bands-TOTAL_FORMS": str(len(bands)),
        "bands-INITIAL_FORMS": "0",
        "bands-MIN_NUM_FORMS": "0",
        "bands-MAX_NUM_FORMS": "1000",
        "charges-TOTAL_FORMS": "1",
        "charges-INITIAL_FORMS": "0",
        "charges-MIN_NUM_FORMS": "0",
        "charges-MAX_NUM_FORMS": "1000",
        "charges-0-kind": "fee",
        "charges-0-code": "service_fee",
        "charges-0-label_ar": "رسم الخدمة",
        "charges-0-label_en": "service fee",
        "charges-0-amount": "٥٠٠",
        "charges-0-percent": "",
        "charges-0-position": "1",
        "_save": "Save",
    }
    for i, (lo, hi, price) in enumerate(bands):
        data |= {f"bands-{i}-from_kwh": lo, f"bands-{i}-to_kwh": hi, f"bands-{i}-price": price}
    return data | fields


@pytest.mark.django_db
def test_admin_shows_a_gap_as_a_form_error_and_saves_nothing(make_user: Any) -> None:
    client = Client()
    client.force_login(make_user(None))
    before = (Tariff.objects.count(), TariffBand.objects.count(), AuditEvent.objects.count())
    response = client.post(
        ADD_URL,
        _admin_post([("0", "300", "600"), ("400", "", "1400")]),
        headers={"accept-language": "en"},
    )
    assert response.status_code == 200
    assert "There is a gap between band 2 and the band before it" in response.content.decode()
    over = client.post(
        ADD_URL,
        _admin_post([("0", "", "600")], **{"charges-0-amount": "0", "charges-0-percent": "101"}),
    )
    assert over.status_code == 200
    assert (
        Tariff.objects.count(),
        TariffBand.objects.count(),
        AuditEvent.objects.count(),
    ) == before


@pytest.mark.django_db
def test_admin_saves_a_new_version_with_its_audit_events(make_user: Any) -> None:
    client = Client()
    client.force_login(make_user(Role.ESTABLISHMENT_ADMIN))
    assert client.get(ADD_URL).status_code == 200
    response = client.post(ADD_URL, _admin_post([("0", "300", "650"), ("300", "", "1500")]))
    assert response.status_code == 302, response.content.decode()[:2000]
    tariff = Tariff.objects.get(category="household", effective_from=dt.date(2026, 9, 1))
    spec = tariffs_module.tariff_spec(tariff)
    assert [(b.from_kwh, b.to_kwh, b.price) for b in spec.bands] == [
        (0, 300, Decimal(650)),
        (300, None, Decimal(1500)),
    ]
    assert [(c.code, c.amount) for c in spec.charges] == [
        ("meter_rent", 0),
        ("service_fee", 50_000),
    ]
    actions = set(
        AuditEvent.objects.filter(object_id=str(tariff.pk)).values_list("action", flat=True)
    )
    assert actions == {"tariff.create", "tariff.lines"}
    assert tariff_in_force(category="household", on=dt.date(2026, 9, 1)) == tariff


@pytest.mark.django_db
def test_company_staff_may_read_tariffs_but_not_add_them(make_user: Any) -> None:
    client = Client()
    client.force_login(make_user(Role.COMPANY_ADMIN, "01"))
    assert client.get(ADD_URL).status_code == 403
    assert client.post(ADD_URL, _admin_post([("0", "", "1")])).status_code == 403
    assert client.get("/admin/billing/tariff/").status_code == 200
    seeded = Tariff.objects.get(category="household")
    page = client.get(f"/admin/billing/tariff/{seeded.pk}/change/")
    assert page.status_code == 200
    before = Tariff.objects.count()
    assert client.post(f"/admin/billing/tariff/{seeded.pk}/change/", {}).status_code == 403
    assert Tariff.objects.count() == before


@pytest.mark.django_db
def test_a_used_tariff_in_force_is_read_only(make_user: Any, monkeypatch: Any) -> None:
    seeded = Tariff.objects.get(category="household")
    client = Client()
    client.force_login(make_user(None))
    url = f"/admin/billing/tariff/{seeded.pk}/change/"
    monkeypatch.setattr(tariffs_module, "tariff_is_used", lambda tariff: True)
    assert client.post(url, {"name_en": "changed"}).status_code == 403
    monkeypatch.setattr(tariffs_module, "tariff_is_used", lambda tariff: False)
    assert client.get(url).status_code == 200
    seeded.refresh_from_db()
    assert seeded.name_en == "Household tariff"
    assert TariffCharge.objects.filter(tariff=seeded, code="meter_rent").count() == 1
