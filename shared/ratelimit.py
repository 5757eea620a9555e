"""Token buckets per key (a partner, a person, a client address), held in this process.

A bucket holds up to `burst` tokens and refills at `rate` tokens per second; each request takes
one. An empty bucket refuses with how long until the next token (`TooManyRequests`, 429 with
`Retry-After`). The clock is monotonic wall time, passed in so the rule is testable without I/O.
Buckets live in the process: with N replicas each keeps its own, so the effective limit is
N × the configured one (see the services' READMEs).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from itertools import islice

from shared.errors import TooManyRequests


@dataclass
class _Bucket:
    tokens: float
    at: float


class TokenBuckets:
    """One bucket per key; `take(key)` returns 0 when allowed, else the seconds to wait (≥ 1)."""

    def __init__(self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic,
                 max_keys: int = 100_000) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("a token bucket needs a positive rate and a burst of at least 1")
        self.rate, self.burst, self._clock, self._max_keys = rate, burst, clock, max_keys
        self._buckets: dict[str, _Bucket] = {}

    def take(self, key: str) -> int:
        now = self._clock()
        bucket = self._buckets.pop(key, None)  # re-inserted below: the dict runs least recently used first
        if bucket is None:
            if len(self._buckets) >= self._max_keys:  # forget the least recently used tenth (long refilled, mostly)
                for old in list(islice(self._buckets, max(1, self._max_keys // 10))):
                    del self._buckets[old]
            bucket = _Bucket(float(self.burst), now)
        self._buckets[key] = bucket
        bucket.tokens = min(float(self.burst), bucket.tokens + (now - bucket.at) * self.rate)
        bucket.at = now
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return 0
        return max(1, math.ceil((1 - bucket.tokens) / self.rate))

    def check(self, key: str, what: str) -> None:
        """Take a token for `key` or raise `TooManyRequests` (429, Retry-After) naming `what` was limited."""
        wait = self.take(key)
        if wait:
            raise TooManyRequests(f"too many requests for {what}; retry in {wait} s",
                              details=[{"retry_after_seconds": wait}], retry_after=wait)
