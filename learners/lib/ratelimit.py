"""How often one key (a learner, say) may do a costly thing: a fixed-window count in the cache.

Django's default cache is per process, so with several gunicorn workers each counts for
itself: the limit is per worker, which still bounds what one learner can make the server do.
"""

from __future__ import annotations

import math
import time

from django.core.cache import cache


def hit(key: str, *, limit: int, window: int) -> int | None:
    """Count one use of `key`. None while it has been used at most `limit` times in the
    current `window` of seconds; else the seconds until the next window opens."""
    now = time.time()
    bucket = int(now // window)
    name = f"ratelimit:{key}:{bucket}"
    cache.add(name, 0, timeout=window * 2)
    try:
        count = cache.incr(name)
    except ValueError:  # expired between add and incr
        cache.set(name, 1, timeout=window * 2)
        count = 1
    if count <= limit:
        return None
    return max(1, math.ceil((bucket + 1) * window - now))
