"""Rate limits counted in Django's cache as sliding windows.

Each limit counts hits per fixed window and weighs the previous window's count by the part of
it still inside the sliding window that ends now (the sliding-window counter). Plain fixed
windows let a client make twice the limit across a boundary (the limit at the end of one
minute, again at the start of the next), and made a burst that straddled a boundary pass
unseen; the weighted count holds the limit for any span of the window's length, within the
approximation of the previous window's hits being spread evenly over it.

The default LocMemCache counts per process; production runs with KUWWA_CACHE=database so
every worker shares one count (docs/portal.md).
"""

from __future__ import annotations

import time

from django.core.cache import cache


def _key(bucket: str, who: str, index: int) -> str:
    return f"kuwwa:throttle:{bucket}:{who}:{index}"


def _weighted(bucket: str, who: str, window: int, now: float, current: int) -> float:
    """`current` (this fixed window's count) plus the previous window's share of the sliding
    window that ends now."""
    index, elapsed = divmod(now, window)
    previous = int(cache.get(_key(bucket, who, int(index) - 1)) or 0)
    return current + previous * (1 - elapsed / window)


def throttle_count(*, bucket: str, who: str, window: int) -> float:
    """How many hits the sliding window ending now holds (nothing is counted)."""
    now = time.time()
    current = int(cache.get(_key(bucket, who, int(now // window))) or 0)
    return _weighted(bucket, who, window, now, current)


def throttle_add(*, bucket: str, who: str, window: int) -> float:
    """Count one hit and return the sliding window's total."""
    now = time.time()
    key = _key(bucket, who, int(now // window))
    cache.add(key, 0, timeout=window * 2)
    try:
        current = int(cache.incr(key))
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window * 2)
        current = 1
    return _weighted(bucket, who, window, now, current)
