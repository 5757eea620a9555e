"""End-to-end fixture: the four services as separate `loanflow serve` processes (as `loanflow up`
runs them) on real PostgreSQL and the test broker, driven only through REST and topics."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from loanflow.client import LoanflowClient
from loanflow.embedded import free_port
from shared.config import SERVICES, PlatformSettings
from shared.db import drop_database

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class ServiceProcess:
    service: str
    port: int
    proc: subprocess.Popen[bytes]
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@dataclass
class System:
    """A running loanflow: processes per service (replicas allowed), shared configuration."""

    env: dict[str, str]
    home: Path
    platform: PlatformSettings
    processes: list[ServiceProcess] = field(default_factory=list)

    def urls(self) -> dict[str, str]:
        first: dict[str, str] = {}
        for p in self.processes:
            if p.proc.poll() is None:
                first.setdefault(p.service, p.url)
        return first

    def start(self, service: str) -> ServiceProcess:
        port = free_port()
        log = self.home / f"{service}-{port}.log"
        env = {**self.env, f"LOANFLOW_{service.upper()}_PORT": str(port)}
        origination = self.urls().get("origination")
        if origination and service != "origination":  # where the borrowers' data keys are fetched (issue 16)
            env |= {"LOANFLOW_ORIGINATION_URL": origination, "LOANFLOW_REPORTING_ORIGINATION_URL": origination}
        proc = subprocess.Popen([sys.executable, "-m", "loanflow.cli", "serve", service], env=env, cwd=ROOT,
                                stdout=open(log, "wb"), stderr=subprocess.STDOUT, start_new_session=True)
        sp = ServiceProcess(service, port, proc, log)
        self.processes.append(sp)
        return sp

    def wait_ready(self, timeout: float = 90.0) -> None:
        deadline = time.monotonic() + timeout
        pending = [p for p in self.processes if p.proc.poll() is None]
        while pending and time.monotonic() < deadline:
            for p in list(pending):
                if p.proc.poll() is not None:
                    raise AssertionError(f"{p.service} exited: {p.log.read_text()[-3000:]}")
                try:
                    if httpx.get(p.url + "/readyz", timeout=2).status_code == 200:
                        pending.remove(p)
                except httpx.HTTPError:
                    pass
            time.sleep(0.3)
        if pending:
            raise AssertionError("not ready: " + ", ".join(
                f"{p.service}: {p.log.read_text()[-2000:]}" for p in pending))

    def kill(self, sp: ServiceProcess, sig: int = signal.SIGKILL) -> None:
        os.kill(sp.proc.pid, sig)
        sp.proc.wait(15)

    def stop_all(self) -> None:
        for p in self.processes:
            if p.proc.poll() is None:
                p.proc.terminate()
        for p in self.processes:
            try:
                p.proc.wait(20)
            except subprocess.TimeoutExpired:
                p.proc.kill()
                p.proc.wait(5)


@pytest.fixture
def system_env(pg_url: str, kafka_bootstrap: str, tmp_path: Path) -> dict[str, str]:
    prefix = f"e{uuid.uuid4().hex[:10]}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOANFLOW_")}
    env.update({
        "LOANFLOW_ENV": "test",
        "LOANFLOW_HOME": str(tmp_path / ".loanflow"),
        "LOANFLOW_DATABASE_URL": pg_url,
        "LOANFLOW_KAFKA_BOOTSTRAP": kafka_bootstrap,
        "LOANFLOW_TOPIC_PREFIX": prefix,
        "LOANFLOW_TOPIC_PARTITIONS": "3",
        "LOANFLOW_JWT_SECRET": "e2e-" + uuid.uuid4().hex,
        "LOANFLOW_SECRETS_KEY": "e2e-secrets-" + uuid.uuid4().hex,
        "LOANFLOW_START_DATE": "2026-03-01",
        "LOANFLOW_LOG_LEVEL": "INFO",
        "PYTHONPATH": str(ROOT),
    })
    return env


@pytest.fixture
def system(system_env: dict[str, str], tmp_path: Path) -> Iterator[System]:
    """The four services, one process each, ready."""
    home = Path(system_env["LOANFLOW_HOME"])
    home.mkdir(parents=True, exist_ok=True)
    platform = PlatformSettings(**{k[len("LOANFLOW_"):].lower(): v for k, v in system_env.items()
                                   if k.startswith("LOANFLOW_") and k[len("LOANFLOW_"):].lower() in
                                   PlatformSettings.model_fields})
    sys_ = System(env=system_env, home=home, platform=platform)
    try:
        for service in SERVICES:
            sys_.start(service)
        sys_.wait_ready()
        yield sys_
    finally:
        sys_.stop_all()

        async def drop() -> None:
            for service in SERVICES:
                try:
                    await drop_database(platform.service_dsn(service))
                except Exception:
                    pass

        if not os.environ.get("LOANFLOW_TEST_KEEP_DB"):
            asyncio.run(drop())


@pytest.fixture
async def client(system: System) -> AsyncIterator[LoanflowClient]:
    """A client of the running system, signing as its platform does."""
    c = LoanflowClient(system.urls(), system.platform.signing_key())
    try:
        yield c
    finally:
        await c.close()
