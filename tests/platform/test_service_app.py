"""A service app starts on real PostgreSQL and the broker: migrations, relay, health."""

from __future__ import annotations

from loanflow.testing import running
from services.origination.bootstrap import create_app
from services.origination.config import OriginationSettings


async def test_app_starts_migrates_and_reports_ready(platform, _drop_platform_dbs):
    app = create_app(OriginationSettings(), platform)
    async with running(app) as client:
        health = await client.get("/healthz")
        assert health.json() == {"status": "ok", "service": "origination"}
        ready = await client.get("/readyz")
        assert ready.status_code == 200, ready.text
        assert ready.json()["checks"]["database"] == "ok"
        metrics = await client.get("/metrics")
        assert "outbox_oldest_unsent_age_seconds" in metrics.text
        missing = await client.get("/v1/nothing-here")
        assert missing.status_code == 404
        assert missing.json()["error"]["code"] == "not_found"
