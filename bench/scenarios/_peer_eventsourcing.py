"""Peer: the `eventsourcing` library's PostgreSQL application recorder, given the same events.

The library is synchronous (psycopg 3), so each stream is a thread, as an application using
it would run; its connection pool has the same size as ours. Its recorder takes
`LOCK TABLE ... IN EXCLUSIVE MODE` on every insert so notification ids never skip.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit


def unavailable() -> str | None:
    """Why the peer cannot run here (None when it can)."""
    try:
        import eventsourcing.postgres  # noqa: F401
    except ImportError as exc:
        return f"eventsourcing[postgres] is not installed ({exc}); pip install 'loanflow[bench]'"
    return None


def datastore_args(dsn: str) -> dict[str, Any]:
    """PostgresDatastore keyword arguments from a postgresql:// URL (TCP or unix socket)."""
    parts = urlsplit(dsn.replace("postgresql+asyncpg://", "postgresql://"))
    query = parse_qs(parts.query)
    host = query.get("host", [parts.hostname or "127.0.0.1"])[0]
    return {"dbname": parts.path.lstrip("/"), "host": unquote(host), "port": parts.port or 5432,
            "user": unquote(parts.username or "postgres"), "password": unquote(parts.password or "")}


class PeerRecorder:
    """One recorder on one database, with `connections` pooled connections."""

    def __init__(self, dsn: str, connections: int) -> None:
        from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore

        self.datastore = PostgresDatastore(**datastore_args(dsn), pool_size=connections, max_overflow=0,
                                           originator_id_type="text")
        self.recorder = PostgresApplicationRecorder(self.datastore, events_table_name="stored_events")
        self.recorder.create_table()

    def insert(self, stream: str, first_version: int, topic: str, states: Sequence[bytes]) -> None:
        """Append states as versions first_version.. of a stream, in one transaction."""
        from eventsourcing.persistence import StoredEvent

        self.recorder.insert_events([StoredEvent(originator_id=stream, originator_version=first_version + i,
                                                 topic=topic, state=state) for i, state in enumerate(states)])

    def close(self) -> None:
        self.datastore.close()


async def drive_threads(streams: int, per_stream: int,
                        command: Callable[[int, int], None]) -> tuple[float, list[float]]:
    """Like `bench.support.drive`, with one thread per stream for a synchronous library."""

    def run_all() -> tuple[float, list[float]]:
        latencies: list[float] = []
        lock = threading.Lock()

        def worker(s: int) -> None:
            mine = []
            for n in range(per_stream):
                started = time.perf_counter()
                command(s, n)
                mine.append(time.perf_counter() - started)
            with lock:
                latencies.extend(mine)

        with ThreadPoolExecutor(max_workers=streams, thread_name_prefix="peer") as pool:
            started = time.perf_counter()
            list(pool.map(worker, range(streams)))
            return time.perf_counter() - started, latencies

    return await asyncio.to_thread(run_all)
