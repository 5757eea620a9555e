"""Token buckets (shared/ratelimit.py): the rule alone, on a clock the test moves."""

from __future__ import annotations

import pytest

from shared.errors import TooManyRequests
from shared.ratelimit import TokenBuckets


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def test_a_burst_then_one_request_per_refill_and_retry_after_says_when():
    clock = Clock()
    buckets = TokenBuckets(rate=0.5, burst=3, clock=clock)  # a token every 2 s
    assert [buckets.take("p1") for _ in range(3)] == [0, 0, 0]
    assert buckets.take("p1") == 2  # empty: the next token in 2 s
    clock.t += 1.0
    assert buckets.take("p1") == 1  # half a token: 1 s more
    clock.t += 1.0
    assert buckets.take("p1") == 0
    assert buckets.take("p1") == 2


def test_keys_have_their_own_buckets_and_a_bucket_refills_only_up_to_the_burst():
    clock = Clock()
    buckets = TokenBuckets(rate=10, burst=2, clock=clock)
    assert [buckets.take("a") for _ in range(3)] == [0, 0, 1]  # Retry-After is whole seconds, at least 1
    assert buckets.take("b") == 0
    clock.t += 3600
    assert [buckets.take("a") for _ in range(3)] == [0, 0, 1]


def test_check_raises_429_with_retry_after_in_the_contracts_error():
    buckets = TokenBuckets(rate=1 / 60, burst=1, clock=Clock())
    buckets.check("alice", "user alice")
    with pytest.raises(TooManyRequests) as refused:
        buckets.check("alice", "user alice")
    assert refused.value.status == 429 and refused.value.code == "rate_limited"
    assert refused.value.retry_after == 60 and refused.value.details == [{"retry_after_seconds": 60}]


def test_memory_stays_bounded_by_forgetting_the_least_recently_used_buckets():
    clock = Clock()
    buckets = TokenBuckets(rate=1 / 60, burst=1, clock=clock, max_keys=10)
    buckets.take("busy")
    for i in range(9):
        buckets.take(f"old{i}")
    assert buckets.take("busy") == 60  # used again: now the most recent
    buckets.take("new")  # the map is full: the least recently used one (old0) is forgotten
    assert buckets.take("busy") == 60  # the limited key kept its empty bucket
    assert buckets.take("old0") == 0  # forgotten: a fresh bucket
    assert buckets.take("old1") == 0


def test_a_bucket_needs_a_positive_rate_and_burst():
    with pytest.raises(ValueError):
        TokenBuckets(rate=0, burst=1)
    with pytest.raises(ValueError):
        TokenBuckets(rate=1, burst=0)
