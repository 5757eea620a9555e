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
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= self._max_keys:
                self._forget_full(now)
            bucket = self._buckets[key] = _Bucket(float(self.burst), now)
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

    def _forget_full(self, now: float) -> None:
        """Drop buckets that have refilled (they hold nothing a new bucket would not)."""
        full = [k for k, b in self._buckets.items() if b.tokens + (now - b.at) * self.rate >= self.burst]
        for k in full:
            del self._buckets[k]
        if len(self._buckets) >= self._max_keys:  # still full of busy keys: forget the oldest
            for k in sorted(self._buckets, key=lambda k: self._buckets[k].at)[: self._max_keys // 10]:
                del self._buckets[k]
