"""The sliding-window rate limit: a burst that straddles a window's boundary is still seen."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from kuwwa.core import throttle
from kuwwa.core.throttle import throttle_add, throttle_count


@pytest.fixture
def clock(monkeypatch):
    """A settable time.time() for the throttle module."""
    now = [6000.0]
    monkeypatch.setattr(throttle.time, "time", lambda: now[0])
    cache.clear()
    yield now
    cache.clear()


def hits(clock, at: float, n: int) -> float:
    clock[0] = at
    total = 0.0
    for _ in range(n):
        total = throttle_add(bucket="t", who="1.2.3.4", window=60)
    return total


def test_a_burst_across_a_minute_boundary_counts_whole(clock) -> None:
    hits(clock, 6059.9, 20)  # the end of one fixed minute
    assert hits(clock, 6060.1, 1) > 20  # the start of the next: still 21 in one minute


def test_the_previous_window_fades_out_over_the_next(clock) -> None:
    hits(clock, 6030.0, 20)
    clock[0] = 6090.0  # half-way through the next window
    assert throttle_count(bucket="t", who="1.2.3.4", window=60) == pytest.approx(10)
    clock[0] = 6125.0  # two windows later nothing is left
    assert throttle_count(bucket="t", who="1.2.3.4", window=60) == 0


def test_clients_and_buckets_count_apart(clock) -> None:
    hits(clock, 6000.0, 5)
    assert throttle_add(bucket="t", who="5.6.7.8", window=60) == 1
    assert throttle_add(bucket="other", who="1.2.3.4", window=60) == 1
