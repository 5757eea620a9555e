"""A service app starts on real PostgreSQL and the broker: migrations, relay, health."""

from __future__ import annotations

from loanflow.testing import eventually, running
from services.origination.bootstrap import create_app
from services.origination.config import OriginationSettings


async def test_app_starts_migrates_and_reports_ready(platform, _drop_platform_dbs):
    app = create_app(OriginationSettings(), platform)
    async with running(app) as client:
        health = await client.get("/healthz")
        assert health.json() == {"status": "ok", "service": "origination"}
        async def is_ready():
            return (await client.get("/readyz")).status_code == 200

        await eventually(is_ready, timeout=30)
        ready = await client.get("/readyz")
        assert ready.json()["checks"]["database"] == "ok"
        metrics = await client.get("/metrics")
        assert "outbox_oldest_unsent_age_seconds" in metrics.text
        missing = await client.get("/v1/nothing-here")
        assert missing.status_code == 404
        assert missing.json()["error"]["code"] == "not_found"


async def test_event_export_needs_a_reporting_or_admin_token_and_pages(platform, _drop_platform_dbs):
    from datetime import date

    from loanflow.testing import bearer
    from shared.contracts import CloudEvent

    app = create_app(OriginationSettings(), platform)
    async with running(app) as client:
        kernel = app.state.kernel
        async with kernel.db.acquire() as conn, conn.transaction():
            for n in range(3):
                await kernel.store.append(conn, f"s{n}", [CloudEvent(
                    source="origination", type="test.exported", subject=f"s{n}", data={"n": n},
                    correlationid="c", businessdate=date(2026, 3, 1))], expected_version=0)
        assert (await client.get("/v1/events")).status_code == 401
        assert (await client.get("/v1/events", headers=bearer(app, "bob", "collector"))).status_code == 403
        page = (await client.get("/v1/events?limit=2", headers=bearer(app, "rita", "reporting"))).json()
        assert [i["event"]["data"]["n"] for i in page["items"]] == [0, 1]
        rest = (await client.get(f"/v1/events?after={page['next_cursor']}",
                                 headers=bearer(app, "rita", "reporting"))).json()
        assert [i["event"]["data"]["n"] for i in rest["items"]] == [2]
        assert rest["next_cursor"] is None
        assert (await client.get("/openapi.json")).status_code == 200
