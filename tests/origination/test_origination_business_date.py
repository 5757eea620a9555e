"""Origination learns the business date from servicing's day-close."""

from __future__ import annotations

from datetime import UTC, date, datetime

from loanflow.testing import eventually, running
from services.origination.bootstrap import create_app
from services.origination.config import OriginationSettings
from shared.clock import FixedClock
from shared.contracts import make_event
from shared.contracts.servicing import DayClosed
from shared.db import fetch_business_date
from shared.kafka import make_producer

from .conftest import Desk
from .factory import application


async def test_disbursement_is_dated_by_servicings_day_close(platform, _drop_platform_dbs, tmp_path):
    clock = FixedClock(datetime(2026, 4, 2, 9, 30, tzinfo=UTC))
    app = create_app(OriginationSettings(), platform, clock)
    async with running(app) as client:
        desk = Desk(app, client, platform, tmp_path / "unused.json")
        before = await desk.filed(application())
        await desk.approve(before)
        first = await desk.disburse(before)
        assert first.json()["disbursement_date"] == "2026-04-02", "no day closed yet: the clock's date"

        async with app.state.kernel.db.acquire() as conn:
            await conn.execute("INSERT INTO idempotency_keys (scope, key, request_hash, created_at) VALUES "
                               "('applications', 'old', 'h', now() - interval '4 days'), "
                               "('applications', 'recent', 'h', now() - interval '1 day')")
        closed = make_event("servicing", DayClosed(business_date=date(2026, 4, 20), loans_processed=0),
                            subject="business-date", businessdate=date(2026, 4, 20))
        producer = make_producer(platform.kafka_bootstrap)
        await producer.start()
        try:
            await producer.send_and_wait(platform.topic("servicing"), closed.to_json_bytes(), key=b"business-date")
            await producer.send_and_wait(platform.topic("servicing"), closed.to_json_bytes(), key=b"business-date")
        finally:
            await producer.stop()

        async def business_date():
            async with app.state.kernel.db.acquire() as conn:
                return await fetch_business_date(conn)

        assert await eventually(business_date) == date(2026, 4, 20)  # servicing's book rolled into the 20th
        async with app.state.kernel.db.acquire() as conn:
            rows = await conn.fetch("SELECT key FROM idempotency_keys WHERE key IN ('old', 'recent')")
        kept = [r["key"] for r in rows]
        assert kept == ["recent"], "keys older than three days are forgotten at day-close"
        after = await desk.filed(application())
        await desk.approve(after)
        second = await desk.disburse(after)
        assert second.json()["disbursement_date"] == "2026-04-20"
