"""The unit of work: one command's transaction, its event-store appends (and so its outbox rows), its idempotency key.

    async with kernel.unit_of_work() as uow:
        events = await uow.load(stream)                       # the aggregate's history
        ...decide...
        await uow.append(stream, new_events, expected_version=len(events))

Everything written through `uow.conn` commits together when the block ends, or rolls back
when it raises. `append` is `PostgresEventStore.append`: the events and their outbox rows in
one statement; a stream no longer at `expected_version` raises `ConcurrencyConflict` (409).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from types import TracebackType
from typing import TypeVar

import asyncpg
from asyncpg.transaction import Transaction

from shared import idempotency
from shared.contracts.envelope import CloudEvent
from shared.eventstore import PostgresEventStore
from shared.idempotency import IdempotencyKey

T = TypeVar("T")


class UnitOfWork:
    """A connection in a transaction, with the service's event store; use as `async with`."""

    def __init__(self, pool: asyncpg.Pool, store: PostgresEventStore) -> None:
        self._pool = pool
        self.store = store
        self._conn: asyncpg.Connection | None = None
        self._tx: Transaction | None = None

    @property
    def conn(self) -> asyncpg.Connection:
        """The transaction's connection (adapters write their tables through it)."""
        assert self._conn is not None, "use the unit of work as `async with`"
        return self._conn

    async def __aenter__(self) -> UnitOfWork:
        self._conn = await self._pool.acquire()
        try:
            self._tx = self._conn.transaction()
            await self._tx.start()
        except BaseException:
            await self._release()
            raise
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        assert self._tx is not None
        try:
            if exc_type is None:
                await self._tx.commit()
            else:
                await self._tx.rollback()
        finally:
            await self._release()

    async def _release(self) -> None:
        conn, self._conn, self._tx = self._conn, None, None
        if conn is not None:
            await self._pool.release(conn)

    async def load(self, stream_id: str) -> list[CloudEvent]:
        """Every event of a stream in version order (its length is the stream's version)."""
        return await self.store.load(self.conn, stream_id)

    async def append(self, stream_id: str, events: Sequence[CloudEvent], expected_version: int | None, *,
                     key: str | None = None, publish: bool = True) -> list[CloudEvent]:
        """Append at `expected_version` (None: at the end) with their outbox rows; lost race → ConcurrencyConflict."""
        return await self.store.append(self.conn, stream_id, events, expected_version, key=key, publish=publish)

    async def append_many(self, batches: Sequence[tuple[str, int, Sequence[CloudEvent]]]
                          ) -> dict[str, list[CloudEvent]]:
        """Append (stream id, expected version, events) for many streams in one statement."""
        return await self.store.append_many(self.conn, batches)

    async def once(self, scope: str, key: IdempotencyKey | None, action: Callable[[], Awaitable[T]],
                   status_code: int = 201) -> T:
        """`action` at most once per Idempotency-Key, its answer stored in this transaction (see `idempotency.once`)."""
        return await idempotency.once(self.conn, scope, key, action, status_code)
