"""asyncpg pools, database creation and the platform tables every service database holds."""

from __future__ import annotations

import json
from typing import Any

import asyncpg

from shared.config import with_database


def database_lost(exc: BaseException | None) -> bool:
    """The database is unreachable or went away (refused, broken connection, server starting up or
    shutting down), here or in what caused `exc`: nothing to do with the request or record being
    handled; worth a retry."""
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, OSError | asyncpg.PostgresConnectionError | asyncpg.exceptions.OperatorInterventionError):
            return True
        if isinstance(exc, asyncpg.exceptions.TooManyConnectionsError):
            return True  # the server's connection slots are full (53300): it takes none now, it will again
        if isinstance(exc, asyncpg.InterfaceError) and "closed" in str(exc):
            return True
        if isinstance(exc, asyncpg.exceptions.InternalClientError) and "in progress" in str(exc):
            return True  # the pool resetting a connection whose server died mid-operation (it never answered)
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return False


async def _init_connection(conn: asyncpg.Connection) -> None:
    for typ in ("json", "jsonb"):
        await conn.set_type_codec(typ, encoder=lambda v: json.dumps(v, default=str, ensure_ascii=False),
                                  decoder=json.loads, schema="pg_catalog")


async def create_pool(dsn: str, *, min_size: int = 1, max_size: int = 10) -> asyncpg.Pool:
    """A pool whose connections encode/decode json and jsonb as Python objects."""
    pool = await asyncpg.create_pool(_plain(dsn), min_size=min_size, max_size=max_size, init=_init_connection)
    assert pool is not None
    return pool


async def connect(dsn: str) -> asyncpg.Connection:
    conn = await asyncpg.connect(_plain(dsn))
    await _init_connection(conn)
    return conn


def _plain(dsn: str) -> str:
    return dsn.replace("postgresql+asyncpg://", "postgresql://")


async def ensure_database(dsn: str) -> None:
    """Create the database named in `dsn` if it does not exist."""
    from urllib.parse import urlsplit

    name = urlsplit(_plain(dsn)).path.lstrip("/")
    admin = await asyncpg.connect(with_database(_plain(dsn), "postgres"))
    try:
        exists = await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if not exists:
            try:
                await admin.execute(f'CREATE DATABASE "{name}"')
            except asyncpg.DuplicateDatabaseError:
                pass
    finally:
        await admin.close()


async def drop_database(dsn: str) -> None:
    """Drop the database named in `dsn` (tests, `reporting rebuild` never uses this)."""
    from urllib.parse import urlsplit

    name = urlsplit(_plain(dsn)).path.lstrip("/")
    admin = await asyncpg.connect(with_database(_plain(dsn), "postgres"))
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


# The tables of the platform (event store, outbox, inbox, dead letters, idempotency keys,
# business date). Each service's first Alembic revision executes this.
PLATFORM_DDL = """
CREATE TABLE IF NOT EXISTS events (
    position     BIGSERIAL PRIMARY KEY,
    stream_id    TEXT        NOT NULL,
    version      INTEGER     NOT NULL,
    event_id     TEXT        NOT NULL,
    type         TEXT        NOT NULL,
    envelope     JSONB       NOT NULL,
    recorded_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT events_stream_version UNIQUE (stream_id, version),
    CONSTRAINT events_event_id UNIQUE (event_id)
);
CREATE TABLE IF NOT EXISTS outbox (
    position    BIGINT      PRIMARY KEY,
    topic       TEXT        NOT NULL,
    key         TEXT        NOT NULL,
    payload     BYTEA       NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp()
);
CREATE TABLE IF NOT EXISTS inbox (
    consumer    TEXT        NOT NULL,
    event_id    TEXT        NOT NULL,
    topic       TEXT,
    partition   INTEGER,
    "offset"    BIGINT,
    handled_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, event_id)
);
CREATE TABLE IF NOT EXISTS consumer_positions (
    consumer    TEXT    NOT NULL,
    topic       TEXT    NOT NULL,
    partition   INTEGER NOT NULL,
    next_offset BIGINT  NOT NULL,
    PRIMARY KEY (consumer, topic, partition)
);
CREATE TABLE IF NOT EXISTS dead_letters (
    id          BIGSERIAL PRIMARY KEY,
    consumer    TEXT        NOT NULL,
    topic       TEXT        NOT NULL,
    partition   INTEGER     NOT NULL,
    "offset"    BIGINT      NOT NULL,
    key         TEXT,
    payload     BYTEA,
    error       TEXT        NOT NULL,
    attempts    INTEGER     NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS idempotency_keys (
    scope         TEXT        NOT NULL,
    key           TEXT        NOT NULL,
    request_hash  TEXT        NOT NULL,
    status_code   INTEGER,
    response      JSONB,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (scope, key)
);
CREATE TABLE IF NOT EXISTS business_calendar (
    id            INTEGER PRIMARY KEY DEFAULT 1 CHECK (id = 1),
    business_date DATE    NOT NULL
);
"""

PLATFORM_DROP = """
DROP TABLE IF EXISTS business_calendar, idempotency_keys, dead_letters, consumer_positions,
    inbox, outbox, events;
"""


async def fetch_business_date(conn: asyncpg.Connection) -> Any:
    """The service's current business date, or None before the first one is set."""
    return await conn.fetchval("SELECT business_date FROM business_calendar WHERE id = 1")


async def store_business_date(conn: asyncpg.Connection, day: Any, *, only_forward: bool = True) -> None:
    """Record the business date (never moves backwards unless told)."""
    if only_forward:
        await conn.execute(
            """INSERT INTO business_calendar (id, business_date) VALUES (1, $1)
               ON CONFLICT (id) DO UPDATE SET business_date = GREATEST(business_calendar.business_date,
                                                                      EXCLUDED.business_date)""",
            day,
        )
    else:
        await conn.execute(
            """INSERT INTO business_calendar (id, business_date) VALUES (1, $1)
               ON CONFLICT (id) DO UPDATE SET business_date = EXCLUDED.business_date""",
            day,
        )
