"""Rebuild the read models: drop them and replay every event from the topics' beginning, or from the
services' event stores through their export endpoint when the broker's retention does not reach back.

`loanflow reporting rebuild` calls `rebuild()`. The projections are keyed by event id and
computed by business date and sequence, so a replay in any order gives identical reports. The erasures
replayed (`loan.borrower.erased`) are recorded in the key table too (`record_erasures`).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import time
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import asyncpg
import httpx

from services.reporting.adapters.writer import (
    ANALYZE,
    SECONDARY_INDEXES,
    copy_rows,
    create_staging,
    drop_secondary_indexes,
    truncate_read_models,
)
from services.reporting.bootstrap import MIGRATIONS
from services.reporting.config import ReportingSettings
from services.reporting.entrypoints.consumer import SOURCES
from services.reporting.service_layer.handlers import (
    Positioned,
    Projected,
    prepare,
    save_positions,
    write_new_events,
)
from shared.auth import TokenIssuer
from shared.config import PlatformSettings
from shared.contracts.origination import BorrowerErased
from shared.datakeys import erase_keys
from shared.db import ensure_database
from shared.kafka import EndOffsets, ensure_topics, make_consumer, topic_partitions
from shared.migrate import upgrade

log = logging.getLogger(__name__)


async def rebuild(platform: PlatformSettings, settings: ReportingSettings, *, source: str = "topics",
                  progress: Callable[[int], None] | None = None) -> dict[str, Any]:
    """Drop the read models and replay from `source` ("topics" or "stores"); returns what was done."""
    if source not in ("topics", "stores"):
        raise ValueError(f"unknown rebuild source {source!r}; use 'topics' or 'stores'")
    dsn = platform.service_dsn("reporting", settings.database_url)
    await ensure_database(dsn)
    await upgrade(MIGRATIONS, dsn)
    conn = await asyncpg.connect(dsn)  # plain: the bulk path sends JSON as text
    other = await asyncpg.connect(dsn)
    for c in (conn, other):
        # a lost tail is replayed by the next rebuild: no need to wait for the WAL flush at each commit
        await c.execute("SET synchronous_commit = off")
    started = time.perf_counter()
    try:
        async with conn.transaction():
            await truncate_read_models(conn)
            await drop_secondary_indexes(conn)
            await conn.execute("DELETE FROM inbox WHERE consumer = $1", settings.consumer_name)
            await conn.execute("DELETE FROM consumer_positions WHERE consumer = $1", settings.consumer_name)
        await create_staging(conn)
        await create_staging(other)
        try:
            batches = _from_topics(platform, settings) if source == "topics" else _from_stores(platform, settings)
            with _few_collections():
                read, applied, write_seconds = await _replay((conn, other), settings.consumer_name, batches,
                                                             progress)
        finally:
            replayed = time.perf_counter()
            await _index_and_analyze(conn, other)
        erasures = await record_erasures(conn)
    finally:
        await conn.close()
        await other.close()
    seconds = time.perf_counter() - started
    return {"source": source, "events_read": read, "events_applied": applied, "seconds": round(seconds, 3),
            "events_per_second": round(read / seconds, 1) if seconds > 0 else None,
            "write_seconds": round(write_seconds, 3), "index_seconds": round(time.perf_counter() - replayed, 3),
            "erasures_recorded": erasures}


async def record_erasures(conn: asyncpg.Connection) -> int:
    """Issue 16: every `loan.borrower.erased` replayed destroys reporting's copy of that key, as the live
    consumer does (a key never fetched is recorded erased, so it is never fetched): a rebuilt database keeps
    the tombstones whatever its key table held. Returns how many keys were destroyed or recorded now."""
    rows = await conn.fetch("SELECT data->>'borrower_id' AS key_id, min(time) AS at FROM rpt_events "
                            "WHERE type = $1 GROUP BY 1", BorrowerErased.event_type)
    return await erase_keys(conn, [(r["key_id"], r["at"]) for r in rows if r["key_id"]])


async def _index_and_analyze(conn: asyncpg.Connection, other: asyncpg.Connection) -> None:
    """Build the query indexes and ANALYZE, on two connections at once (the server has the cores to itself now)."""
    statements = [*SECONDARY_INDEXES.values(), *ANALYZE]
    queue = list(reversed(statements))

    async def work(c: asyncpg.Connection) -> None:
        while queue:
            await c.execute(queue.pop())

    await asyncio.gather(work(conn), work(other))


@contextlib.contextmanager
def _few_collections() -> Iterator[None]:
    """Keep the cyclic GC from rescanning the heap every few thousand new rows (the replay makes no cycles)."""
    threshold = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(100_000, 50, 100)
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        gc.unfreeze()


async def _replay(conns: tuple[asyncpg.Connection, asyncpg.Connection], consumer: str,
                  batches: AsyncIterator[list[Positioned]],
                  progress: Callable[[int], None] | None) -> tuple[int, int, float]:
    """Write batch after batch while the next ones are read and projected, on two connections.

    The first writes a batch's event-log rows (the ledger) and commits; the second then writes
    that batch's other rows and the positions in one transaction, while the first goes on with
    the next batch's event log. Positions only move once both halves are committed: after a
    crash in between, the events are read again and the live consumer's `ON CONFLICT DO
    NOTHING` inserts fill in the rows (a rebuild starts from nothing anyway).
    """
    ledger, rows = conns
    read = applied = 0
    write_seconds = 0.0
    queue: asyncio.Queue[list[Projected] | None] = asyncio.Queue(maxsize=2)
    reader = asyncio.create_task(_project_ahead(batches, queue))
    pending: asyncio.Task[None] | None = None
    try:
        while (prepared := await queue.get()) is not None:
            writing = time.perf_counter()
            async with ledger.transaction():
                new, tables, ends = await write_new_events(ledger, prepared)
            if pending is not None:
                await pending
            pending = asyncio.create_task(_write_rows(rows, consumer, tables, ends))
            applied += new
            read += len(prepared)
            write_seconds += time.perf_counter() - writing
            if progress is not None:
                progress(read)
        if pending is not None:
            await pending
        await reader
    finally:
        reader.cancel()
        if pending is not None and not pending.done():
            pending.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await pending  # its connection is free again before the indexes are built
    return read, applied, write_seconds


async def _write_rows(conn: asyncpg.Connection, consumer: str, tables: dict[str, list[str]],
                      ends: dict[Any, int]) -> None:
    async with conn.transaction():
        await copy_rows(conn, tables)
        await save_positions(conn, consumer, ends)


async def _project_ahead(batches: AsyncIterator[list[Positioned]],
                         queue: asyncio.Queue[list[Projected] | None]) -> None:
    """Read and project the next batches while the previous one is being written; None marks the end."""
    try:
        async for batch in batches:
            prepared: list[Projected] = []
            for start in range(0, len(batch), 25):
                prepared += prepare(batch[start:start + 25])
                # let the writers send their next statement: ~0.3 ms of projection at most between two,
                # else the server idles through a batch's ~25 round trips waiting for this loop
                await asyncio.sleep(0)
            await queue.put(prepared)
    except asyncio.CancelledError:
        raise  # the writer stopped: nobody waits for the end mark
    except Exception:
        await queue.put(None)  # the writer stops, then `await reader` raises this
        raise
    await queue.put(None)


async def _from_topics(platform: PlatformSettings, settings: ReportingSettings) -> AsyncIterator[list[Positioned]]:
    """Every record of the three topics, from the beginning up to their ends when the replay started."""
    assert platform.kafka_bootstrap, "LOANFLOW_KAFKA_BOOTSTRAP is not set"
    topics = [platform.topic(s) for s in SOURCES]
    await ensure_topics(platform.kafka_bootstrap, topics, platform.topic_partitions)
    consumer = make_consumer(platform.kafka_bootstrap, None, max_poll_records=settings.rebuild_batch_size,
                             fetch_max_bytes=32 * 1024 * 1024, max_partition_fetch_bytes=8 * 1024 * 1024)
    await consumer.start()
    try:
        partitions = await topic_partitions(consumer, topics)
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = EndOffsets(await consumer.end_offsets(partitions))
        while ends.remaining:
            fetched = await consumer.getmany(timeout_ms=500, max_records=settings.rebuild_batch_size)
            ends.observe(consumer)
            batch: list[Positioned] = []
            for tp, records in fetched.items():
                for record in records:
                    if record.value and ends.within(tp, record.offset):
                        batch.append(Positioned(record.value, tp.topic, tp.partition, record.offset))
                if records:
                    ends.consumed(tp, records[-1].offset)
            if batch:
                yield batch
    finally:
        await consumer.stop()


async def _from_stores(platform: PlatformSettings, settings: ReportingSettings) -> AsyncIterator[list[Positioned]]:
    """Every published event of each service, through its `GET /v1/events?after=&limit=` export."""
    token = TokenIssuer(platform.signing_key()).issue("reporting-rebuild", ["reporting"])
    headers = {"Authorization": f"Bearer {token}"}
    limit = min(settings.rebuild_batch_size, 5000)
    async with httpx.AsyncClient(headers=headers, timeout=60.0) as client:
        for service, url in settings.store_urls().items():
            after = 0
            while True:
                response = await client.get(f"{url.rstrip('/')}/v1/events", params={"after": after, "limit": limit})
                response.raise_for_status()
                page = response.json()
                batch = [Positioned(item["event"], platform.topic(service), -1,
                                    int(item["position"])) for item in page["items"]]
                if batch:
                    yield batch
                if not page.get("next_cursor"):
                    break
                after = int(page["next_cursor"])
