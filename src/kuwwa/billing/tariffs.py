"""Tariffs: the pure bill arithmetic, its validation, the in-force selectors and services.

The arithmetic works on plain frozen specs so it needs no database and can be checked by
property tests; a `Tariff` row is turned into a spec from its prefetched bands and charges.
Prices are Decimals in major units; every computed line is rounded to minor units exactly
once, by `round_to_minor` (half up). Never floats.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, localcontext
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Prefetch, prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kuwwa.accounts.models import Category
from kuwwa.billing.models import BillLine, Tariff, TariffBand, TariffCharge
from kuwwa.core.audit import audit_record
from kuwwa.core.errors import ApplicationError, PermissionDenied, ValidationFailed
from kuwwa.core.money import MAX_MINOR, currency, round_to_minor
from kuwwa.core.services import audit_company_of, master_data_save
from kuwwa.organizations.roles import Role
from kuwwa.organizations.scopes import scope_of

MARGINAL = Tariff.Method.MARGINAL.value
SLAB = Tariff.Method.SLAB.value
CHARGE = TariffCharge.Kind.CHARGE.value
FEE = TariffCharge.Kind.FEE.value
METER_RENT = ("meter_rent", "أجرة العداد", "meter rent")
# Enough digits that kWh × price stays exact for any amount below MAX_MINOR and beyond.
_PRECISION = 60


class NoTariffInForce(ApplicationError):
    code = "NO_TARIFF_IN_FORCE"
    http_status = 404
    default_message = _("No tariff is in force for the category %(category)s on %(on)s.")


# --- specs and lines -------------------------------------------------------------------------


@dataclass(frozen=True)
class BandSpec:
    """kWh above `from_kwh` up to and including `to_kwh` (None: no upper limit)."""

    from_kwh: int
    to_kwh: int | None
    price: Decimal


@dataclass(frozen=True)
class ChargeSpec:
    """A fixed charge per cycle, or a fee: fixed, or `percent` of the energy amount."""

    kind: str
    code: str
    label_ar: str
    label_en: str
    amount: int = 0
    percent: Decimal | None = None


@dataclass(frozen=True)
class TariffSpec:
    method: str
    bands: tuple[BandSpec, ...]
    charges: tuple[ChargeSpec, ...] = ()


def tariff_spec(tariff: Tariff) -> TariffSpec:
    """The arithmetic view of a row; uses prefetched bands and charges when present."""
    bands = sorted(tariff.bands.all(), key=lambda b: b.from_kwh)
    charges = sorted(tariff.charges.all(), key=lambda c: (c.kind != CHARGE, c.position, c.pk))
    return TariffSpec(
        method=tariff.method,
        bands=tuple(BandSpec(b.from_kwh, b.to_kwh, b.price) for b in bands),
        charges=tuple(
            ChargeSpec(c.kind, c.code, c.label_ar, c.label_en, c.amount, c.percent) for c in charges
        ),
    )


# --- validation -------------------------------------------------------------------------------


def tariff_bands_validate(bands: Iterable[BandSpec]) -> tuple[BandSpec, ...]:
    """Bands must tile [0, ∞) in whole kWh: start at 0, touch, rise, end open. Returns them
    sorted; the order they were entered in does not matter."""
    ordered = tuple(sorted(bands, key=lambda b: b.from_kwh))
    if not ordered:
        raise ValidationFailed(_("A tariff needs at least one band."))
    if ordered[0].from_kwh != 0:
        raise ValidationFailed(_("The first band must start at 0 kWh."))
    previous_to: int | None = 0
    for n, band in enumerate(ordered, start=1):
        if band.price is None or Decimal(band.price) < 0:
            raise ValidationFailed(_("Band %(n)s has a negative price."), n=n)
        if previous_to is None:
            raise ValidationFailed(_("Only the last band may have no upper limit."))
        if band.from_kwh < previous_to:
            raise ValidationFailed(_("Band %(n)s overlaps the band before it."), n=n)
        if band.from_kwh > previous_to:
            raise ValidationFailed(
                _("There is a gap between band %(n)s and the band before it (%(a)s–%(b)s kWh)."),
                n=n,
                a=previous_to,
                b=band.from_kwh,
            )
        if band.to_kwh is not None and band.to_kwh <= band.from_kwh:
            raise ValidationFailed(_("Band %(n)s must end above the kWh it starts from."), n=n)
        previous_to = band.to_kwh
    if previous_to is not None:
        raise ValidationFailed(
            _("The last band must have no upper limit, so that every consumption has a price.")
        )
    return ordered


def tariff_charges_validate(charges: Iterable[ChargeSpec]) -> None:
    """Codes unique; amounts whole and not negative; a percentage only on fees, 0–100."""
    seen: set[str] = set()
    for charge in charges:
        if charge.kind not in (CHARGE, FEE):
            raise ValidationFailed(_("Choose whether the line is a charge or a fee."))
        if not charge.code or charge.code in seen:
            raise ValidationFailed(_("Each charge and fee needs a code of its own."))
        seen.add(charge.code)
        if not isinstance(charge.amount, int) or not 0 <= charge.amount <= MAX_MINOR:
            raise ValidationFailed(
                _("The amount of %(code)s must be a whole, non-negative number of minor units."),
                code=charge.code,
            )
        if charge.percent is None:
            continue
        if charge.kind != FEE:
            raise ValidationFailed(_("Only a fee can be a percentage."))
        if charge.amount:
            raise ValidationFailed(_("A fee is either a fixed amount or a percentage, not both."))
        if not Decimal(0) <= Decimal(charge.percent) <= Decimal(100):
            raise ValidationFailed(
                _("The percentage of %(code)s must be between 0 and 100."), code=charge.code
            )


def tariff_validate(
    *,
    method: str,
    bands: Sequence[BandSpec],
    charges: Sequence[ChargeSpec] = (),
    cycle_months: int = 2,
) -> None:
    """Everything a tariff must satisfy before it can price a bill (raises ValidationFailed)."""
    if method not in Tariff.Method.values:
        raise ValidationFailed(_("Choose marginal or slab pricing."))
    if not 1 <= cycle_months <= 12:
        raise ValidationFailed(_("A cycle lasts from 1 to 12 months."))
    tariff_bands_validate(bands)
    tariff_charges_validate(charges)


# --- the arithmetic -----------------------------------------------------------------------------


def _band_labels(n: int, band: BandSpec) -> tuple[str, str]:
    if band.to_kwh is None and band.from_kwh == 0:
        return "الطاقة المستهلكة", "energy"
    if band.to_kwh is None:
        return (
            f"الشريحة {n} (أكثر من {band.from_kwh} ك.و.س)",
            f"band {n} (above {band.from_kwh} kWh)",
        )
    return (
        f"الشريحة {n} ({band.from_kwh}–{band.to_kwh} ك.و.س)",
        f"band {n} ({band.from_kwh}–{band.to_kwh} kWh)",
    )


def _energy_line(n: int, band: BandSpec, kwh: int) -> BillLine:
    label_ar, label_en = _band_labels(n, band)
    amount = round_to_minor(Decimal(kwh) * band.price)
    return BillLine("energy", f"band-{n}", label_ar, label_en, kwh, band.price, amount)


def _energy_lines(method: str, bands: tuple[BandSpec, ...], kwh: int) -> list[BillLine]:
    if method == SLAB:
        n = next(i for i, b in enumerate(bands, 1) if b.to_kwh is None or kwh <= b.to_kwh)
        return [_energy_line(n, bands[n - 1], kwh)]
    lines = []
    for n, band in enumerate(bands, start=1):
        if n > 1 and kwh <= band.from_kwh:
            break  # an empty first band still shows, so a zero bill has its energy line
        upper = kwh if band.to_kwh is None else min(kwh, band.to_kwh)
        lines.append(_energy_line(n, band, max(0, upper - band.from_kwh)))
    return lines


def _charge_line(charge: ChargeSpec, energy_minor: int) -> BillLine:
    amount = charge.amount
    if charge.percent is not None:
        energy_major = Decimal(energy_minor) / currency().factor
        amount = round_to_minor(energy_major * Decimal(charge.percent) / 100)
    return BillLine(charge.kind, charge.code, charge.label_ar, charge.label_en, None, None, amount)


def tariff_compute(*, tariff: Tariff | TariffSpec, kwh: int) -> list[BillLine]:
    """The lines of a bill for `kwh` of one cycle: energy (a line per band used, or one line
    at the slab reached), then each fixed charge (even 0), then fees. Pure and exact."""
    if isinstance(kwh, bool) or not isinstance(kwh, int) or kwh < 0:
        raise ValidationFailed(_("The consumption must be a whole number of kWh, 0 or more."))
    spec = tariff if isinstance(tariff, TariffSpec) else tariff_spec(tariff)
    bands = tariff_bands_validate(spec.bands)
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        lines = _energy_lines(spec.method, bands, kwh)
        energy_minor = sum(line.amount for line in lines)
        charges = [c for c in spec.charges if c.kind == CHARGE]
        fees = [c for c in spec.charges if c.kind == FEE]
        lines += [_charge_line(c, energy_minor) for c in (*charges, *fees)]
    if sum(line.amount for line in lines) > MAX_MINOR:
        raise ValidationFailed(_("The consumption is too large to bill."))
    return lines


# --- selectors --------------------------------------------------------------------------------

_CACHE: dict[dt.date, tuple[tuple[Any, ...], dict[str, Tariff]]] = {}
_CACHE_SIZE = 16


def _stamp() -> tuple[Any, ...]:
    """Changes whenever a tariff is added, removed or saved (the admin and the services
    always save the tariff row, also when only its bands or charges changed)."""
    agg = Tariff.objects.aggregate(n=Count("id"), last_id=Max("id"), last=Max("updated_at"))
    return (agg["n"], agg["last_id"], agg["last"])


def _load_in_force(on: dt.date) -> dict[str, Tariff]:
    latest: dict[str, Tariff] = {}
    for tariff in Tariff.objects.filter(effective_from__lte=on).order_by(
        "category", "-effective_from"
    ):
        latest.setdefault(tariff.category, tariff)
    prefetch_related_objects(
        list(latest.values()),
        Prefetch("bands", queryset=TariffBand.objects.order_by("from_kwh")),
        Prefetch("charges", queryset=TariffCharge.objects.order_by("kind", "position", "id")),
    )
    return latest


def tariffs_in_force_map(on: dt.date) -> dict[str, Tariff]:
    """{category: tariff in force on `on`}, bands and charges prefetched, so pricing many
    bills costs no further query. Cached per process; one cheap query checks freshness."""
    stamp = _stamp()
    cached = _CACHE.get(on)
    if cached is None or cached[0] != stamp:
        if len(_CACHE) >= _CACHE_SIZE:
            _CACHE.clear()
        cached = (stamp, _load_in_force(on))
        _CACHE[on] = cached
    return dict(cached[1])


def tariff_in_force(*, category: str, on: dt.date) -> Tariff:
    """The version of the category's tariff in force on a date: latest effective_from <= on."""
    tariff = tariffs_in_force_map(on).get(category)
    if tariff is None:
        raise NoTariffInForce(category=category, on=on.isoformat())
    return tariff


def tariff_is_used(tariff: Tariff) -> bool:
    """Whether anything outside the tariff (a bill, later) refers to this version."""
    for rel in Tariff._meta.related_objects:
        model = rel.related_model
        if isinstance(model, str) or model in (TariffBand, TariffCharge):
            continue
        if model._base_manager.filter(**{rel.field.name: tariff.pk}).exists():
            return True
    return False


def tariff_is_locked(tariff: Tariff, *, today: dt.date | None = None) -> bool:
    """A version in force and already used is history: change prices with a new version."""
    today = today or timezone.localdate()
    return tariff.pk is not None and tariff.effective_from <= today and tariff_is_used(tariff)


def can_edit_tariffs(user: Any) -> bool:
    """Tariffs are national decisions: only the establishment's administrators enter them."""
    scope = scope_of(user)
    return scope.all_companies and scope.has_role(Role.ESTABLISHMENT_ADMIN)


# --- services ---------------------------------------------------------------------------------


def tariff_lines_audit(*, actor: Any, tariff: Tariff) -> None:
    """Record the bands and charges of a tariff after they were written (same transaction)."""
    spec = tariff_spec(tariff)
    audit_record(
        company=audit_company_of(tariff),
        actor=actor if getattr(actor, "pk", None) else None,
        action="tariff.lines",
        obj=tariff,
        data={
            "method": spec.method,
            "bands": [[b.from_kwh, b.to_kwh, str(b.price)] for b in spec.bands],
            "charges": [
                [c.kind, c.code, c.amount, None if c.percent is None else str(c.percent)]
                for c in spec.charges
            ],
        },
    )


@transaction.atomic
def tariff_create(
    *,
    actor: Any,
    category: str,
    effective_from: dt.date,
    name_ar: str,
    name_en: str,
    bands: Sequence[BandSpec],
    charges: Sequence[ChargeSpec] = (),
    method: str = MARGINAL,
    decision_ref: str = "",
    cycle_months: int = 2,
) -> Tariff:
    """Add a tariff version with its bands and charges; a meter-rent line (0) is added when
    none is given, so every bill shows it. `actor=None` is the system."""
    if actor is not None and not can_edit_tariffs(actor):
        raise PermissionDenied(_("Only the establishment's administrators may enter tariffs."))
    if category not in Category.values:
        raise ValidationFailed(_("Choose a valid category."))
    if not name_ar.strip() or not name_en.strip():
        raise ValidationFailed(_("Enter the tariff's name in Arabic and in English."))
    if not any(c.code == METER_RENT[0] for c in charges):
        charges = [ChargeSpec(CHARGE, *METER_RENT), *charges]
    tariff_validate(method=method, bands=bands, charges=charges, cycle_months=cycle_months)
    tariff = Tariff(
        category=category,
        effective_from=effective_from,
        name_ar=name_ar.strip(),
        name_en=name_en.strip(),
        decision_ref=decision_ref.strip(),
        cycle_months=cycle_months,
        method=method,
    )
    try:
        master_data_save(actor=actor, instance=tariff)  # its own savepoint
    except IntegrityError as exc:
        raise ValidationFailed(_("This category already has a tariff from that date.")) from exc
    TariffBand.objects.bulk_create(
        TariffBand(tariff=tariff, from_kwh=b.from_kwh, to_kwh=b.to_kwh, price=b.price)
        for b in bands
    )
    TariffCharge.objects.bulk_create(
        TariffCharge(
            tariff=tariff,
            kind=c.kind,
            code=c.code,
            label_ar=c.label_ar,
            label_en=c.label_en,
            amount=c.amount,
            percent=c.percent,
            position=i,
        )
        for i, c in enumerate(charges)
    )
    tariff_lines_audit(actor=actor, tariff=tariff)
    return tariff
