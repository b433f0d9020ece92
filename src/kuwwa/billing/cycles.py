"""Billing cycle services: open a cycle with its calendar, move it through its states."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from kuwwa.billing.models import BillingCycle
from kuwwa.core.audit import audit_record
from kuwwa.core.errors import Conflict, ValidationFailed
from kuwwa.organizations.models import Company

State = BillingCycle.State
TRANSITIONS = {
    State.OPEN: {State.READING},
    State.READING: {State.BILLING},
    State.BILLING: {State.ISSUED},
    State.ISSUED: {State.CLOSED},
    State.CLOSED: set(),
}
READING_WINDOW_BEFORE_END = 9  # the window opens 9 days before the period ends…
READING_WINDOW_AFTER_END = 5  # …and closes 5 days after
ISSUE_AFTER_END = 7
DAYS_TO_PAY = 30


def _add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def cycle_code_parse(code: str) -> dt.date:
    """ "2026-06" → 1 June 2026; anything else is refused with a clear message."""
    match = re.fullmatch(r"(\d{4})-(\d{2})", code.strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise ValidationFailed(_("A cycle is written as YYYY-MM, for example 2026-06."))
    return dt.date(int(match.group(1)), int(match.group(2)), 1)


@transaction.atomic
def cycle_open(*, actor: Any, company: Company, code: str, months: int = 2) -> BillingCycle:
    """Open a cycle starting on the first day of `code`'s month, with the default calendar."""
    if company.is_establishment:
        raise ValidationFailed(_("Cycles belong to a distribution company."))
    if not 1 <= months <= 12:
        raise ValidationFailed(_("A cycle lasts between 1 and 12 months."))
    start = cycle_code_parse(code)
    end = _add_months(start, months) - dt.timedelta(days=1)
    issue = end + dt.timedelta(days=ISSUE_AFTER_END)
    try:
        with transaction.atomic():
            cycle = BillingCycle.objects.create(
                company=company,
                code=start.strftime("%Y-%m"),
                period_start=start,
                period_end=end,
                reading_window_start=end - dt.timedelta(days=READING_WINDOW_BEFORE_END),
                reading_window_end=end + dt.timedelta(days=READING_WINDOW_AFTER_END),
                issue_date=issue,
                due_date=issue + dt.timedelta(days=DAYS_TO_PAY),
            )
    except IntegrityError as exc:
        raise Conflict(_("This cycle is already open for the company.")) from exc
    audit_record(
        company=company,
        actor=actor,
        action="cycle.open",
        obj=cycle,
        data={"code": cycle.code, "start": start.isoformat(), "end": end.isoformat()},
    )
    return cycle


@transaction.atomic
def cycle_advance(*, actor: Any, cycle: BillingCycle, to: str) -> BillingCycle:
    """Move a cycle to its next state; skipping or going back is refused."""
    locked = BillingCycle.objects.select_for_update().get(pk=cycle.pk)
    if to not in TRANSITIONS[State(locked.state)]:
        raise Conflict(
            _("A cycle in state %(state)s cannot move to %(to)s."), state=locked.state, to=to
        )
    before = locked.state
    locked.state = to
    locked.save(update_fields=["state"])
    audit_record(
        company=locked.company_id,
        actor=actor,
        action="cycle.advance",
        obj=locked,
        data={"from": before, "to": to},
    )
    return locked


def cycle_for_reading(*, company_id: int, on: dt.date) -> BillingCycle | None:
    """The cycle whose reading window contains the day, if it still takes readings."""
    return (
        BillingCycle.objects.filter(
            company_id=company_id,
            reading_window_start__lte=on,
            reading_window_end__gte=on,
            state__in=[State.OPEN, State.READING, State.BILLING],
        )
        .order_by("-period_start")
        .first()
    )
