"""Meter reading services: submit (any source), validate, review, and estimate.

Validation, in order: the value must fit the meter's dial; it may not be below the last
actual reading unless the dial rolled over; a consumption far above or below the account's
own trailing average goes to review instead of being accepted. The same value for the same
meter in the same cycle is one submission, however often it is sent.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils.translation import gettext_lazy as _

from kuwwa.accounts.models import Account, Meter
from kuwwa.billing.cycles import cycle_for_reading
from kuwwa.billing.models import Bill, BillingCycle, MeterReading
from kuwwa.core.audit import audit_record
from kuwwa.core.errors import ApplicationError, Conflict, ValidationFailed
from kuwwa.core.lookups import among

Status = MeterReading.Status
Source = MeterReading.Source


class ReadingRefused(ApplicationError):
    code = "READING_REFUSED"
    default_message = _("The reading cannot be accepted.")


@dataclass(frozen=True)
class ReadingOutcome:
    reading: MeterReading
    created: bool  # False: the same reading had been submitted before

    @property
    def accepted(self) -> bool:
        return self.reading.status == Status.ACCEPTED


# The messages shown for each flag (to clerks and to citizens).
FLAG_MESSAGES = {
    "rollover": _("The meter dial rolled over past zero."),
    "high": _("Consumption is much higher than this account's usual consumption."),
    "low": _("Consumption is much lower than this account's usual consumption."),
    "below_previous": _("The reading is below the previous reading."),
    "too_large": _("The reading has more digits than the meter."),
    "estimate_true_up": _("Corrects an earlier estimated reading."),
}


def _factor(name: str) -> Decimal:
    return Decimal(str(getattr(settings, name)))


def _previous(meter: Meter, cycle: BillingCycle) -> tuple[int, int]:
    """(last accepted value of any source, last accepted actual value) before this cycle."""
    earlier = MeterReading.objects.filter(
        meter=meter, status=Status.ACCEPTED, cycle__period_start__lt=cycle.period_start
    ).order_by("-read_on", "-pk")
    last_any = earlier.values_list("value", flat=True).first()
    last_actual = earlier.exclude(source=Source.ESTIMATED).values_list("value", flat=True).first()
    base_actual = meter.initial_reading if last_actual is None else last_actual
    base_any = base_actual if last_any is None else last_any
    return base_any, base_actual


def trailing_daily_kwh(*, account_id: int, before: dt.date) -> Decimal | None:
    """Average kWh per day over the account's last billed cycles, or None without history."""
    recent = list(
        Bill.objects.filter(account_id=account_id, cycle__period_start__lt=before)
        .order_by("-cycle__period_start")
        .values_list("consumption_kwh", "cycle__period_start", "cycle__period_end")[
            : settings.KUWWA_READING_TRAILING_CYCLES
        ]
    )
    days = sum((end - start).days + 1 for _kwh, start, end in recent)
    if not recent or days <= 0:
        return None
    return Decimal(sum(max(kwh, 0) for kwh, _s, _e in recent)) / days


def _evaluate(
    *, meter: Meter, cycle: BillingCycle, value: int, account_id: int
) -> tuple[str, list[str], int | None]:
    """Status, flags and consumption (kWh) of a proposed reading."""
    dial = 10**meter.digits
    if value >= dial:
        return Status.REJECTED, ["too_large"], None
    base_any, base_actual = _previous(meter, cycle)
    flags: list[str] = []
    if value < base_actual:
        rolled = dial - base_actual + value
        if rolled > dial // 2:
            return Status.REJECTED, ["below_previous"], None
        flags.append("rollover")
        effective = value + dial
    else:
        effective = value
    if base_any != base_actual and effective < base_any:
        flags.append("estimate_true_up")
    consumption = (effective - base_any) * meter.multiplier
    average = trailing_daily_kwh(account_id=account_id, before=cycle.period_start)
    status = Status.ACCEPTED
    if average and average > 0 and "estimate_true_up" not in flags:
        daily = Decimal(consumption) / cycle.days
        if daily > average * _factor("KUWWA_READING_HIGH_FACTOR"):
            flags.append("high")
            status = Status.NEEDS_REVIEW
        elif daily < average * _factor("KUWWA_READING_LOW_FACTOR"):
            flags.append("low")
            status = Status.NEEDS_REVIEW
    return status, flags, consumption


@transaction.atomic
def reading_submit(
    *,
    actor: Any,
    account: Account,
    value: int,
    read_on: dt.date,
    source: str,
    note: str = "",
    photo: Any = None,
    cycle: BillingCycle | None = None,
) -> ReadingOutcome:
    """Record a reading; returns the existing one for a duplicate submission."""
    if source not in Source.values or source == Source.ESTIMATED:
        raise ValidationFailed(_("Unknown reading source."))
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValidationFailed(_("A reading is a whole number, zero or more."))
    if account.status == Account.Status.CLOSED:
        raise ReadingRefused(_("The account is closed."))
    meter = (
        Meter.objects.select_for_update()
        .filter(account_id=account.pk, removed_on__isnull=True)
        .first()
    )
    if meter is None:
        raise ReadingRefused(_("The account has no meter installed."))
    cycle = cycle or cycle_for_reading(company_id=account.company_id, on=read_on)
    if cycle is None:
        raise ReadingRefused(
            _("Readings are accepted only inside a billing cycle's reading window.")
        )
    existing = MeterReading.objects.filter(meter=meter, cycle=cycle, value=value).first()
    if existing is not None:
        return ReadingOutcome(existing, created=False)
    if Bill.objects.filter(account_id=account.pk, cycle=cycle).exists():
        raise Conflict(_("This cycle has already been billed for the account."))
    status, flags, consumption = _evaluate(
        meter=meter, cycle=cycle, value=value, account_id=account.pk
    )
    if status != Status.REJECTED:
        MeterReading.objects.filter(
            meter=meter,
            cycle=cycle,
            status__in=[Status.ACCEPTED, Status.NEEDS_REVIEW, Status.PENDING],
        ).update(status=Status.SUPERSEDED)
    try:
        with transaction.atomic():
            reading = MeterReading.objects.create(
                company_id=account.company_id,
                account=account,
                meter=meter,
                cycle=cycle,
                value=value,
                read_on=read_on,
                source=source,
                status=status,
                flags=flags,
                consumption_kwh=consumption,
                note=note[:300],
                photo=photo or "",
                submitted_by=actor if getattr(actor, "pk", None) else None,
            )
    except IntegrityError:
        existing = MeterReading.objects.get(meter=meter, cycle=cycle, value=value)
        return ReadingOutcome(existing, created=False)
    audit_record(
        company=account.company_id,
        actor=actor,
        action="reading.submit",
        obj=reading,
        data={
            "account": account.number,
            "meter": meter.serial,
            "cycle": cycle.code,
            "value": value,
            "source": source,
            "status": status,
            "flags": flags,
        },
    )
    return ReadingOutcome(reading, created=True)


@transaction.atomic
def reading_review(
    *, actor: Any, reading: MeterReading, accept: bool, note: str = ""
) -> MeterReading:
    """A clerk accepts or rejects a reading that needed review."""
    locked = MeterReading.objects.select_for_update().get(pk=reading.pk)
    if locked.status != Status.NEEDS_REVIEW:
        raise Conflict(_("Only a reading that needs review can be reviewed."))
    if Bill.objects.filter(account_id=locked.account_id, cycle_id=locked.cycle_id).exists():
        raise Conflict(_("This cycle has already been billed for the account."))
    locked.status = Status.ACCEPTED if accept else Status.REJECTED
    locked.reviewed_by = actor if getattr(actor, "pk", None) else None
    if note:
        locked.note = note[:300]
    locked.save(update_fields=["status", "reviewed_by", "note"])
    audit_record(
        company=locked.company_id,
        actor=actor,
        action="reading.review",
        obj=locked,
        data={"accept": accept, "note": note[:300]},
    )
    return locked


def reading_messages(reading: MeterReading) -> list[str]:
    """Why a reading was flagged, in the current language."""
    return [str(FLAG_MESSAGES.get(flag, flag)) for flag in reading.flags]


def estimated_kwh(*, daily: Decimal | None, days: int) -> int:
    """Average daily consumption × days, in whole kWh (0 without history)."""
    if not daily:
        return 0
    return int((daily * days).to_integral_value())


def history_daily_kwh(*, account_ids: list[int], before: dt.date) -> dict[int, Decimal]:
    """Trailing average kWh per day for many accounts in one query (billing run)."""
    rows = (
        Bill.objects.filter(among("account_id", account_ids), cycle__period_start__lt=before)
        .values("account_id")
        .annotate(kwh=Sum("consumption_kwh"))
    )
    days = Bill.objects.filter(
        among("account_id", account_ids), cycle__period_start__lt=before
    ).values_list("account_id", "cycle__period_start", "cycle__period_end")
    total_days: dict[int, int] = {}
    for account_id, start, end in days:
        total_days[account_id] = total_days.get(account_id, 0) + (end - start).days + 1
    return {
        r["account_id"]: Decimal(max(r["kwh"] or 0, 0)) / total_days[r["account_id"]]
        for r in rows
        if total_days.get(r["account_id"])
    }
