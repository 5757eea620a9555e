"""An origination service on real PostgreSQL and the test broker, shared by a test module."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from loanflow.testing import bearer, running
from services.origination.bootstrap import create_app
from services.origination.config import OriginationSettings
from shared.config import PlatformSettings
from shared.kafka import make_consumer

from .factory import VERIFIED

START = "2026-03-01"


@dataclass
class Desk:
    """The loan office: the app, an HTTP client, the bureau's file and who works there."""

    app: FastAPI
    client: httpx.AsyncClient
    platform: PlatformSettings
    bureau: Path

    def as_(self, who: str, *roles: str) -> dict[str, str]:
        return bearer(self.app, who, *roles)

    async def file(self, body: dict[str, Any], who: str = "alice") -> httpx.Response:
        return await self.client.post("/v1/applications", json=body, headers=self.as_(who, "client_manager"))

    async def filed(self, body: dict[str, Any], who: str = "alice") -> str:
        r = await self.file(body, who)
        assert r.status_code == 201 and r.json()["status"] == "submitted", r.text
        return str(r.json()["id"])

    async def review(self, app_id: str, stage: str, who: str, decision: str = "approve",
                     roles: tuple[str, ...] | None = None, **extra: Any) -> httpx.Response:
        body = {"stage": stage, "decision": decision, **extra}
        if stage == "client_manager" and decision == "approve":
            body.setdefault("contact_verifications", VERIFIED)
        return await self.client.post(f"/v1/applications/{app_id}/reviews", json=body,
                                      headers=self.as_(who, *(roles or (stage,))))

    async def approve(self, app_id: str, people: tuple[str, str, str] = ("alice", "bob", "carol")) -> None:
        for stage, who in zip(("client_manager", "team_manager", "credit_manager"), people, strict=True):
            r = await self.review(app_id, stage, who)
            assert r.status_code == 201, r.text

    async def disburse(self, app_id: str, who: str = "carol") -> httpx.Response:
        return await self.client.post(f"/v1/applications/{app_id}/disbursement",
                                      headers=self.as_(who, "credit_manager"))

    async def get(self, app_id: str) -> dict[str, Any]:
        r = await self.client.get(f"/v1/applications/{app_id}", headers=self.as_("erin", "credit_manager"))
        assert r.status_code == 200, r.text
        return r.json()  # type: ignore[no-any-return]

    async def opened(self, event: Any) -> Any:
        """A published event with its sealed personal fields opened by origination's keys (issue 16)."""
        from shared.datakeys import key_ids_in, open_tree
        async with self.app.state.kernel.db.acquire() as conn:
            keys = await self.app.state.bus.deps.ring.keys(conn, key_ids_in(event.data))
        return event.model_copy(update={"data": open_tree(event.data, keys)})

    async def erase_now(self, borrower_id: str) -> None:
        """`POST /v1/borrowers/{id}/erasure` as admin with the retention period set to nothing (then restored)."""
        deps = self.app.state.bus.deps
        self.app.state.bus.deps = dataclasses.replace(deps, retention_days=0)
        try:
            r = await self.client.post(f"/v1/borrowers/{borrower_id}/erasure", headers=self.as_("root", "admin"))
            assert r.status_code == 200, r.text
        finally:
            self.app.state.bus.deps = deps

    def bureau_says(self, id_number: str, report: dict[str, Any]) -> None:
        reports = json.loads(self.bureau.read_text() or "{}")
        reports[id_number] = report
        self.bureau.write_text(json.dumps(reports))


def make_platform(pg_url: str, kafka_bootstrap: str, home: Path, **changes: Any) -> PlatformSettings:
    return PlatformSettings(
        env="test", home=home / ".loanflow", database_url=pg_url, kafka_bootstrap=kafka_bootstrap,
        topic_prefix=f"t{uuid.uuid4().hex[:10]}", jwt_secret="test-signing-key-" + uuid.uuid4().hex,
        topic_partitions=3, log_json=False, **changes)


@pytest.fixture(scope="module")
async def desk(pg_url, kafka_bootstrap, tmp_path_factory, _created_databases):
    """One origination service for the module, business date 1 March 2026, a file credit bureau."""
    home = tmp_path_factory.mktemp("origination")
    platform = make_platform(pg_url, kafka_bootstrap, home, start_date=START)
    _created_databases.append(platform.service_dsn("origination"))
    bureau = home / "bureau.json"
    bureau.write_text("{}")
    app = create_app(OriginationSettings(credit_bureau="file", credit_bureau_file=bureau), platform)
    async with running(app) as client:
        yield Desk(app, client, platform, bureau)


async def records_until(bootstrap: str, topic: str, done: Any, timeout: float = 20.0) -> list[Any]:
    """Raw Kafka records of a topic from the start until `done(records)` holds."""
    consumer = make_consumer(bootstrap, None, topic)
    await consumer.start()
    seen: list[Any] = []
    try:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while loop.time() < deadline:
            for batch in (await consumer.getmany(timeout_ms=200)).values():
                seen.extend(batch)
            if done(seen):
                return seen
        raise AssertionError(f"timed out on {topic} after {len(seen)} records")
    finally:
        await consumer.stop()
