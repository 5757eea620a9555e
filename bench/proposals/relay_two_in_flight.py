"""Proposal for shared/relay.py: keep two batches in flight instead of one.

Found with the `relay` scenario: the current relay runs SELECT -> send -> wait for every ack ->
DELETE -> SELECT, so the producer idles during each ack wait and each DELETE/SELECT round
trip, while the raw producer keeps sending. Here the next batch is read (skipping the
positions in flight) and sent while the previous one waits for its acks; each batch is still
deleted only after its own acks. Failure semantics equal one batch of twice the size: on an
error nothing unacked is deleted and the relay restarts from the outbox (duplicates, never
loss); per-stream order holds because version n+1 is only committed after n, so n is always
in the same or an earlier batch, and the producer keeps send order per partition.

`python -m bench.proposals.relay_two_in_flight [--pairs 3]` runs the relay scenario's
measurement with the current relay and with this one, alternating (needs a broker:
LOANFLOW_KAFKA_BOOTSTRAP, and PostgreSQL: LOANFLOW_DATABASE_URL / LOANFLOW_TEST_DATABASE_URL).
"""

from __future__ import annotations

import argparse
import asyncio
import os
from collections import deque
from typing import Any

import asyncpg
from aiokafka import AIOKafkaProducer

from bench.scenarios import relay as scenario
from bench.support import fresh_database, unique
from shared.kafka import ensure_topics
from shared.relay import OutboxRelay

SELECT_NEXT = """SELECT position, topic, key, payload FROM outbox WHERE position <> ALL($2::bigint[])
    ORDER BY position LIMIT $1"""


class TwoInFlightRelay(OutboxRelay):
    """OutboxRelay that sends batch k+1 while batch k waits for its acks."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._in_flight: deque[tuple[list[int], asyncio.Future[Any]]] = deque()

    async def _run_once(self, stop: asyncio.Event) -> None:
        self._in_flight.clear()  # a restart republishes whatever was not deleted
        await super()._run_once(stop)

    async def _publish_batch(self, conn: asyncpg.Connection, producer: AIOKafkaProducer) -> int:
        sending = [p for positions, _ in self._in_flight for p in positions]
        rows = await conn.fetch(SELECT_NEXT, self.batch_size, sending)
        if rows:
            futures = [await producer.send(r["topic"], value=bytes(r["payload"]), key=r["key"].encode())
                       for r in rows]
            self._in_flight.append(([r["position"] for r in rows], asyncio.gather(*futures)))
        while self._in_flight and (len(self._in_flight) > 1 or len(rows) < self.batch_size):
            positions, acked = self._in_flight.popleft()
            await acked
            await conn.execute("DELETE FROM outbox WHERE position = ANY($1::bigint[])", positions)
            self.published += len(positions)
            if self.on_published:
                self.on_published(len(positions))
        return len(rows)


async def compare(pg_url: str, bootstrap: str, pairs: int) -> None:
    """The relay scenario's measurement with each relay in turn; ratios to the raw producer."""
    for n in range(pairs):
        for name, relay_class in (("current", OutboxRelay), ("two in flight", TwoInFlightRelay)):
            prefix = unique("proposal").replace("_", "-")
            topics = (f"{prefix}.servicing", f"{prefix}.raw")
            await ensure_topics(bootstrap, list(topics), partitions=6)
            async with fresh_database(pg_url, "relay_proposal") as dsn:
                m = await scenario.measure(dsn, bootstrap, topics, 10_000, 3, 1500, 500.0, relay_class=relay_class)
            ours, raw = m["ours"]["events_per_s"], m["raw"]["events_per_s"]
            print(f"pair {n + 1} {name:>13}: relay {ours:>8,.0f}/s, raw {raw:>8,.0f}/s, ratio {ours / raw:.2f}; "
                  f"commit-to-ack p50 {m['ours_latency']['p50_ms']} ms p99 {m['ours_latency']['p99_ms']} ms",
                  flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.proposals.relay_two_in_flight")
    parser.add_argument("--pairs", type=int, default=3)
    args = parser.parse_args(argv)
    url = os.environ.get("LOANFLOW_DATABASE_URL") or os.environ.get("LOANFLOW_TEST_DATABASE_URL")
    bootstrap = os.environ.get("LOANFLOW_KAFKA_BOOTSTRAP")
    if not url or not bootstrap:
        print("set LOANFLOW_DATABASE_URL and LOANFLOW_KAFKA_BOOTSTRAP")
        return 2
    asyncio.run(compare(url, bootstrap, args.pairs))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
