"""Publishing a story to the real broker and reading every report of the reporting service."""

from __future__ import annotations

import random
from typing import Any

import httpx
from fastapi import FastAPI

from loanflow.testing import eventually
from shared.config import PlatformSettings
from shared.contracts import CloudEvent
from shared.contracts.registry import public_data
from shared.kafka import make_producer

READER = ("reporter", "reporting")


async def publish(platform: PlatformSettings, events: list[tuple[str, CloudEvent]]) -> None:
    """Produce each event to `<prefix>.<service>` keyed by its subject, as the relays do (masked data)."""
    assert platform.kafka_bootstrap
    producer = make_producer(platform.kafka_bootstrap)
    await producer.start()
    try:
        for service, event in events:
            public = event.model_copy(update={"data": public_data(event.type, event.data)})
            await producer.send(platform.topic(service), public.to_json_bytes(), key=event.subject.encode())
        await producer.flush()
    finally:
        await producer.stop()


async def publish_raw(platform: PlatformSettings, service: str, value: bytes, key: bytes) -> None:
    """Produce raw bytes to a service's topic (a record no consumer can read)."""
    assert platform.kafka_bootstrap
    producer = make_producer(platform.kafka_bootstrap)
    await producer.start()
    try:
        await producer.send_and_wait(platform.topic(service), value, key=key)
    finally:
        await producer.stop()


async def publish_and_wait(platform: PlatformSettings, app: FastAPI, events: list[tuple[str, CloudEvent]]) -> None:
    """Publish the events and wait until the app's projection consumer has recorded them all."""
    await publish(platform, events)

    async def all_in() -> bool:
        return await handled(app) >= len(events)

    await eventually(all_in, timeout=60)


def scrambled(events: list[tuple[str, CloudEvent]], seed: int = 7) -> list[tuple[str, CloudEvent]]:
    """The events shuffled, a third of them delivered twice and the whole tail once more in reverse."""
    rng = random.Random(seed)
    out = list(events) + [e for i, e in enumerate(events) if i % 3 == 0]
    rng.shuffle(out)
    return out + list(reversed(events[-15:]))


async def handled(app: FastAPI) -> int:
    """How many distinct events the projection consumer has recorded."""
    async with app.state.kernel.db.acquire() as conn:
        return int(await conn.fetchval("SELECT count(*) FROM inbox WHERE consumer = 'projections'"))


async def all_reports(client: httpx.AsyncClient, headers: dict[str, str]) -> dict[str, Any]:
    """Every report and timeline the story's assertions look at, by name."""
    queries = {
        "portfolio_jan31": "/v1/reports/portfolio?as_of=2026-01-31",
        "portfolio_mar20": "/v1/reports/portfolio?as_of=2026-03-20",
        "portfolio_may25": "/v1/reports/portfolio?as_of=2026-05-25",
        "delinquency_may25": "/v1/reports/delinquency?as_of=2026-05-25",
        "loan_book_may25": "/v1/reports/loan-book?as_of=2026-05-25&limit=500",
        "delinquency_may25_60": "/v1/reports/delinquency?as_of=2026-05-25&npl_threshold=60",
        "delinquency_apr20": "/v1/reports/delinquency?as_of=2026-04-20",
        "collections_feb_may": "/v1/reports/collections?from=2026-02-01&to=2026-05-31",
        "collections_may": "/v1/reports/collections?from=2026-05-01&to=2026-05-31&group_by=region",
        "collections_regions": "/v1/reports/collections?from=2026-02-01&to=2026-05-31&group_by=region",
        "timeline_l01": "/v1/loans/L01/timeline?limit=500",
        "timeline_l08": "/v1/loans/L08/timeline?limit=500",
    }
    out = {}
    for name, url in queries.items():
        response = await client.get(url, headers=headers)
        assert response.status_code == 200, (url, response.text)
        out[name] = response.json()
    return out
