"""`python -m bench.collections_poll [--loans N] [--poll N] [--profile FILE]`: collections' consumer path alone.

A profile and a round-trip count of what collections' inbox consumer does per missed-payment
notice, without the broker or the other service, so the CPU it spends is measured on its own
(wall-clock latency on a shared 2-core machine is mostly other processes). It builds collections
as `loanflow serve` does (its database migrated, the policy and roster from the default settings),
then hands the inbox consumer's poll handler (`InboxConsumer._handle_together`: parse, claim the
inbox rows, the batch handler, the positions, one transaction) `--loans` notices of the
propagation bench (`bench/scenarios/propagation.py`, one per loan, each loan's first) in polls of
`--poll` records spread over six partitions. Prints CPU and wall time per notice, statements
(round trips) per poll, and optionally writes a cProfile of the polls.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import tempfile
import time
import uuid
from collections import Counter
from typing import Any

import asyncpg
from aiokafka import TopicPartition
from aiokafka.structs import ConsumerRecord

from bench.scenarios.propagation import missed
from bench.support import unique
from shared.config import with_database
from shared.db import drop_database
from shared.inbox import InboxConsumer

STATEMENTS: Counter[str] = Counter()


def count_statements() -> None:
    """Count every statement a connection sends (one round trip each; executemany is one)."""
    conn_cls = asyncpg.connection.Connection

    def wrap(name: str) -> None:
        original = getattr(conn_cls, name)

        async def counted(self: Any, query: str, *args: Any, **kwargs: Any) -> Any:
            STATEMENTS[" ".join(query.split())[:90]] += 1
            return await original(self, query, *args, **kwargs)

        setattr(conn_cls, name, counted)

    for name in ("execute", "executemany", "fetch", "fetchval", "fetchrow"):
        wrap(name)


def records(loans: list[str], offset0: int) -> dict[TopicPartition, list[ConsumerRecord]]:
    out: dict[TopicPartition, list[ConsumerRecord]] = {}
    for i, loan in enumerate(loans):
        event = missed(loan).model_copy(update={"sequence": 1})
        tp = TopicPartition("probe.servicing", i % 6)
        value = event.to_json_bytes()
        out.setdefault(tp, []).append(ConsumerRecord(tp.topic, tp.partition, offset0 + i, 0, 0, loan.encode(), value,
                                                     None, len(loan), len(value), []))
    return out


async def main(args: argparse.Namespace) -> None:
    pg_url = os.environ.get("LOANFLOW_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    prefix = unique("probe").replace("_", "")
    os.environ.update({"LOANFLOW_DATABASE_URL": pg_url, "LOANFLOW_TOPIC_PREFIX": prefix, "LOANFLOW_ENV": "test",
                       "LOANFLOW_JWT_SECRET": uuid.uuid4().hex, "LOANFLOW_HOME": tempfile.mkdtemp(),
                       "LOANFLOW_START_DATE": "2026-04-21", "LOANFLOW_RUN_BACKGROUND": "false"})
    from services.collections.bootstrap import create_app

    app = create_app()
    kernel = app.state.kernel
    await kernel.start(run_background=False)
    [spec] = [s for s in kernel.consumer_specs if s.name == "servicing"]
    inbox = InboxConsumer(name="servicing", pool=kernel.db, consumer_factory=lambda: None,  # type: ignore[arg-type]
                          producer_factory=lambda: None, handler=spec.handler,  # type: ignore[arg-type]
                          batch_handler=spec.batch_handler)
    try:
        warm = [f"warm-{i}" for i in range(args.poll)]
        await inbox._handle_together(records(warm, 0))
        count_statements()
        polls = [[f"loan-{p}-{i}" for i in range(args.poll)] for p in range(args.loans // args.poll)]
        prepared = [records(loans, (p + 1) * args.poll) for p, loans in enumerate(polls)]
        profiler = cProfile.Profile(time.process_time) if args.profile else None  # CPU, not wall
        cpu, wall = time.process_time(), time.perf_counter()
        if profiler:
            profiler.enable()
        for batch in prepared:
            await inbox._handle_together(batch)
        if profiler:
            profiler.disable()
            profiler.dump_stats(args.profile)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        n = len(polls) * args.poll
        print(f"{n} notices in {len(polls)} polls of {args.poll}: CPU {cpu * 1e6 / n:.0f} us/notice, "
              f"wall {wall * 1e6 / n:.0f} us/notice, statements {sum(STATEMENTS.values()) / len(polls):.1f}/poll")
        async with kernel.db.acquire() as conn:
            row = await conn.fetchrow("SELECT count(*) AS n, avg(length(payload)) AS b FROM outbox")
            types = await conn.fetch("SELECT type, count(*) AS n, avg(length(envelope::text)) AS b FROM events "
                                     "GROUP BY type ORDER BY type")
        print(f"outbox: {row['n'] / (n + args.poll):.2f} events/notice, {row['b']:.0f} bytes each; "
              + ", ".join(f"{t['type']} {t['n']} x {t['b']:.0f} B" for t in types))
        for query, k in STATEMENTS.most_common():
            print(f"  {k / len(polls):5.1f}/poll  {query}")
    finally:
        await kernel.stop()
        await drop_database(with_database(pg_url, f"{prefix}_collections"))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--loans", type=int, default=2000)
    parser.add_argument("--poll", type=int, default=100)
    parser.add_argument("--profile")
    asyncio.run(main(parser.parse_args()))
