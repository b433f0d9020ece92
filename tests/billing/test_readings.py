"""Reading validation: dial size, below previous, rollover, replaced meter, high/low against the
account's own trend, idempotent duplicates, and the reading window."""

from __future__ import annotations

import datetime as dt

import pytest

from kuwwa.accounts.services import meter_install
from kuwwa.billing.models import MeterReading
from kuwwa.billing.readings import ReadingRefused, reading_review, reading_submit
from kuwwa.core.errors import Conflict

pytestmark = pytest.mark.django_db
S = MeterReading.Status


def submit(account, cycle, value, day, source="reader"):
    return reading_submit(actor=None, account=account, value=value, read_on=day, source=source)


def test_a_normal_reading_is_accepted_with_its_consumption(make_account, open_cycle, in_window):
    account = make_account("01")
    cycle = open_cycle()
    outcome = submit(account, cycle, 450, in_window(cycle))
    assert outcome.created and outcome.accepted
    assert outcome.reading.consumption_kwh == 450
    assert outcome.reading.cycle == cycle


def test_the_same_reading_twice_is_one_reading(make_account, open_cycle, in_window):
    account = make_account("01")
    cycle = open_cycle()
    first = submit(account, cycle, 450, in_window(cycle))
    again = submit(account, cycle, 450, in_window(cycle), source="citizen")
    assert not again.created
    assert again.reading.pk == first.reading.pk
    assert MeterReading.objects.filter(account=account).count() == 1


def test_a_new_value_in_the_same_window_supersedes_the_old(make_account, open_cycle, in_window):
    account = make_account("01")
    cycle = open_cycle()
    first = submit(account, cycle, 450, in_window(cycle))
    second = submit(account, cycle, 460, in_window(cycle))
    first.reading.refresh_from_db()
    assert first.reading.status == S.SUPERSEDED
    assert second.accepted


def test_outside_the_window_is_refused(make_account, open_cycle):
    account = make_account("01")
    cycle = open_cycle()
    with pytest.raises(ReadingRefused):
        submit(account, cycle, 10, cycle.period_start)


def test_below_previous_is_rejected_but_a_rollover_is_accepted(
    make_account, open_cycle, in_window, billed_cycle
):
    account = make_account("01")  # a 6-digit meter starting at 0
    billed_cycle(account, "2026-02", 999_800)
    cycle = open_cycle("2026-04")
    low = submit(account, cycle, 500_000, in_window(cycle))
    assert low.reading.status == S.REJECTED and low.reading.flags == ["below_previous"]
    rolled = submit(account, cycle, 150, in_window(cycle))
    assert "rollover" in rolled.reading.flags
    assert rolled.reading.consumption_kwh == 1_000_000 - 999_800 + 150


def test_a_replaced_meter_starts_from_its_own_initial_reading(
    make_account, open_cycle, in_window, billed_cycle
):
    account = make_account("01")
    billed_cycle(account, "2026-02", 500)
    meter_install(
        actor=None,
        account=account,
        serial="NEW-9",
        installed_on=dt.date(2026, 4, 2),
        initial_reading=20,
    )
    cycle = open_cycle("2026-04")
    outcome = submit(account, cycle, 420, in_window(cycle))
    assert outcome.accepted
    assert outcome.reading.consumption_kwh == 400


def test_a_reading_far_above_the_trend_needs_review(
    make_account, open_cycle, in_window, billed_cycle
):
    account = make_account("01")
    billed_cycle(account, "2026-02", 400)
    cycle = open_cycle("2026-04")
    high = submit(account, cycle, 400 + 5000, in_window(cycle))
    assert high.reading.status == S.NEEDS_REVIEW and high.reading.flags == ["high"]
    reviewed = reading_review(actor=None, reading=high.reading, accept=True)
    assert reviewed.status == S.ACCEPTED
    with pytest.raises(Conflict):
        reading_review(actor=None, reading=reviewed, accept=False)


def test_a_reading_far_below_the_trend_needs_review(
    make_account, open_cycle, in_window, billed_cycle
):
    account = make_account("01")
    billed_cycle(account, "2026-02", 4000)
    cycle = open_cycle("2026-04")
    low = submit(account, cycle, 4010, in_window(cycle))
    assert low.reading.status == S.NEEDS_REVIEW and low.reading.flags == ["low"]


def test_a_value_too_large_for_the_dial_is_rejected(make_account, open_cycle, in_window):
    account = make_account("01")
    cycle = open_cycle()
    outcome = submit(account, cycle, 10**6, in_window(cycle))
    assert outcome.reading.status == S.REJECTED and outcome.reading.flags == ["too_large"]


def test_after_billing_the_cycle_takes_no_new_reading(
    make_account, open_cycle, in_window, billed_cycle
):
    account = make_account("01")
    cycle = billed_cycle(account, "2026-06", 300)
    with pytest.raises((Conflict, ReadingRefused)):
        submit(account, cycle, 310, in_window(cycle))
