"""What /readyz and /metrics say about a service's dependencies and background work.

Checks, each "ok" or a short reason: `database` (a query), and with the relay and consumers
running, `broker` (a metadata request with a short timeout), `background` (their tasks are
alive), `relay` and `consumers` (their last successful poll is younger than
LOANFLOW_READY_STALE_SECONDS). `/readyz` is 503 naming the failing checks; `/metrics` exports
`readiness_check{check}` (1 ok, 0 failing), `broker_up` and the poll ages.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any, Protocol

import asyncpg
from prometheus_client import CollectorRegistry, Gauge

from shared.kafka import broker_metadata

BROKER_TIMEOUT_SECONDS = 1.0


class Polling(Protocol):
    name: str
    last_poll: float


class ReadinessGauges:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.check = Gauge("readiness_check", "1 when the readiness check passes, else 0", ["check"],
                           registry=registry)
        self.broker_up = Gauge("broker_up", "1 when the broker answered a metadata request", registry=registry)
        self.relay_age = Gauge("relay_last_poll_age_seconds", "seconds since the relay last read the outbox",
                               registry=registry)
        self.consumer_age = Gauge("consumer_last_poll_age_seconds", "seconds since the consumer last polled",
                                  ["consumer"], registry=registry)

    def record(self, checks: dict[str, str], relay: Polling | None, consumers: Sequence[Polling]) -> None:
        now = time.monotonic()
        for name, value in checks.items():
            self.check.labels(name).set(1 if value == "ok" else 0)
        if "broker" in checks:
            self.broker_up.set(1 if checks["broker"] == "ok" else 0)
        if relay is not None:
            self.relay_age.set(now - relay.last_poll)
        for consumer in consumers:
            self.consumer_age.labels(consumer.name).set(now - consumer.last_poll)


async def database_check(pool: asyncpg.Pool) -> str:
    try:
        async with pool.acquire(timeout=2.0) as conn:
            await conn.fetchval("SELECT 1", timeout=2.0)
        return "ok"
    except Exception as exc:
        return f"error: {type(exc).__name__}"


async def broker_check(bootstrap: str) -> str:
    try:
        await broker_metadata(bootstrap, BROKER_TIMEOUT_SECONDS)
        return "ok"
    except Exception as exc:
        return f"error: {type(exc).__name__ or 'no answer'}"


def freshness(pollers: Sequence[Polling], stale_after: float) -> str:
    """'ok', or which poller has not polled for longer than `stale_after` seconds."""
    now = time.monotonic()
    stale = [f"{p.name} last polled {now - p.last_poll:.0f} s ago" for p in pollers
             if now - p.last_poll > stale_after]
    return "ok" if not stale else "stale: " + "; ".join(stale)


def background_checks(tasks: Sequence[Any], relay: Polling, consumers: Sequence[Any],
                      stale_after: float) -> dict[str, str]:
    checks = {"background": "ok" if all(not t.done() for t in tasks) else "error: a background task stopped",
              "relay": freshness([relay], stale_after)}
    if not all(c.ready.is_set() for c in consumers):
        checks["consumers"] = "starting"
    else:
        checks["consumers"] = freshness(consumers, stale_after)
    return checks
