"""Signed-out sessions in PostgreSQL, for workbench replicas on several hosts (LOANFLOW_WORKBENCH_DATABASE_URL).

The workbench keeps no business data; this table is the one piece of session state every replica must share,
so that a sign-out on one replica refuses the cookie (or a copy of it) on all of them. One row per revoked
session: the token's id (SHA-256, never the token) and its expiry; rows past their expiry are deleted when a
process first connects. Each replica keeps the live ids in memory and, before every request's check, reads
the rows added since the last sequence it saw and those recorded in the last 30 seconds (two index ranges,
almost always empty or a handful of rows; the second catches a sign-out that committed after a later one):
a revocation holds on every replica from its next request on. If the table cannot be read the request is refused (503,
fail closed), never served with a possibly revoked session.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import asyncpg

from services.workbench.adapters.revocations import token_id

TABLE = "workbench_revoked_sessions"
DDL = f"""
CREATE TABLE IF NOT EXISTS {TABLE} (
    seq        BIGSERIAL   PRIMARY KEY,
    token_id   TEXT        NOT NULL UNIQUE,
    expires_at TIMESTAMPTZ NOT NULL,
    recorded_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX IF NOT EXISTS workbench_revoked_sessions_recorded ON workbench_revoked_sessions (recorded_at)"""
# Two sign-outs on two replicas may commit out of their sequence order; a replica that already read the later
# one would skip the earlier by `seq > last` alone, so the rows recorded in this window are read again too.
REREAD = "30 seconds"


class RevocationStoreDown(Exception):
    """The shared revocation table cannot be read or written: the request is refused (fail closed)."""


class PostgresRevokedSessions:
    """The revoked session tokens of every replica, in one table; `refresh()` before `is_revoked()`."""

    def __init__(self, dsn: str, *, refresh_seconds: float = 0.0, clock: Any = time.time) -> None:
        self.dsn = dsn
        self.refresh_seconds = refresh_seconds  # 0: read new revocations before every request's check
        self._now = clock
        self._revoked: dict[str, float] = {}
        self._seen = 0  # the last sequence read
        self._checked = float("-inf")
        self._pool: asyncpg.Pool | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._prepared = False

    async def _acquire_pool(self) -> asyncpg.Pool:
        loop = asyncio.get_running_loop()
        if self._pool is None or self._loop is not loop:  # one pool per event loop (tests run one per request)
            if self._pool is not None and self._loop is not None and not self._loop.is_closed():
                self._pool.terminate()
            self._pool = await asyncpg.create_pool(self.dsn, min_size=1, max_size=4, command_timeout=5)
            self._loop = loop
        if not self._prepared:
            async with self._pool.acquire() as conn, conn.transaction():
                await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", TABLE)  # replicas start at once
                await conn.execute(DDL)
                await conn.execute(f"DELETE FROM {TABLE} WHERE expires_at < now()")
            self._prepared = True
        return self._pool

    async def refresh(self) -> None:
        """Read the revocations recorded since the last look (any replica's)."""
        now = time.monotonic()
        if now - self._checked < self.refresh_seconds:
            return
        try:
            pool = await self._acquire_pool()
            rows = await pool.fetch(f"SELECT seq, token_id, extract(epoch FROM expires_at) AS exp FROM {TABLE} "
                                    f"WHERE seq > $1 OR recorded_at > now() - interval '{REREAD}' ORDER BY seq",
                                    self._seen)
        except (TimeoutError, OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            raise RevocationStoreDown(type(exc).__name__) from exc
        wall = self._now()
        for row in rows:
            self._seen = max(self._seen, int(row["seq"]))
            if float(row["exp"]) > wall:
                self._revoked[row["token_id"]] = float(row["exp"])
        self._revoked = {tid: exp for tid, exp in self._revoked.items() if exp > wall}
        self._checked = now

    def is_revoked(self, token: str) -> bool:
        expires_at = self._revoked.get(token_id(token))
        return expires_at is not None and expires_at > self._now()

    async def revoke(self, token: str, expires_at: float) -> None:
        """Record the token revoked until `expires_at` (epoch seconds); durable for every replica on return."""
        tid = token_id(token)
        try:
            pool = await self._acquire_pool()
            await pool.execute(f"INSERT INTO {TABLE} (token_id, expires_at) VALUES ($1, to_timestamp($2)) "
                               "ON CONFLICT (token_id) DO NOTHING", tid, float(expires_at))
        except (TimeoutError, OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            raise RevocationStoreDown(type(exc).__name__) from exc
        self._revoked[tid] = float(expires_at)

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()
            self._pool = None
