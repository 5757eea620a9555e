"""When the broker no longer holds the history, reporting rebuilds from the services' event stores
through their `GET /v1/events` export, and answers exactly what the topics gave."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
import uvicorn

from loanflow.embedded import free_port
from loanflow.testing import bearer, eventually, running
from services.reporting.bootstrap import MIGRATIONS, create_app
from services.reporting.config import ReportingSettings
from services.reporting.rebuild import rebuild
from shared.config import PlatformSettings
from shared.service import ServiceKernel, create_service_app
from tests.reporting.figures import assert_story_figures
from tests.reporting.helpers import READER, all_reports, handled, publish
from tests.reporting.story import Story, scripted_portfolio

pytestmark = pytest.mark.integration


@asynccontextmanager
async def event_store_service(name: str, platform: PlatformSettings, story: Story) -> AsyncIterator[str]:
    """A service process holding `name`'s share of the story in its event store; yields its URL.

    Only the platform kernel (event store and the /v1/events export), not the real service,
    so this test depends on nothing but the contract.
    """
    quiet = platform.model_copy(update={"run_background": False})
    kernel = ServiceKernel(name, quiet, quiet.service_dsn(name), MIGRATIONS)
    app = create_service_app(kernel, title=f"{name} store", routers=[])
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, lifespan="on"))
    task = asyncio.create_task(server.serve())
    try:
        await eventually(lambda: server.started, timeout=30)
        async with kernel.db.acquire() as conn:
            for service, event in story.events:
                if service == name:
                    async with conn.transaction():
                        await kernel.store.append(conn, story.stream_of[event.id], [event], None, publish=False)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


async def test_a_rebuild_from_the_event_stores_gives_the_same_reports_as_the_topics(platform, _drop_platform_dbs):
    story = scripted_portfolio()
    app = create_app(ReportingSettings(), platform)
    async with running(app) as client:
        await publish(platform, story.events)
        await eventually(lambda: _all_handled(app, len(story.events)), timeout=60)
        headers = bearer(app, *READER)
        from_topics = await all_reports(client, headers)

        async with (event_store_service("origination", platform, story) as origination,
                    event_store_service("servicing", platform, story) as servicing,
                    event_store_service("collections", platform, story) as collections):
            settings = ReportingSettings(origination_url=origination, servicing_url=servicing,
                                         collections_url=collections, rebuild_batch_size=25)
            result = await rebuild(platform, settings, source="stores")
        assert result["source"] == "stores"
        assert result["events_read"] == len(story.events) == result["events_applied"]
        from_stores = await all_reports(client, headers)
        assert from_stores == from_topics
        assert_story_figures(from_stores)


async def _all_handled(app, count: int) -> bool:
    return await handled(app) >= count


async def test_a_rebuild_from_a_store_that_does_not_answer_fails_instead_of_hanging(platform, _drop_platform_dbs):
    nobody = f"http://127.0.0.1:{free_port()}"
    settings = ReportingSettings(origination_url=nobody, servicing_url=nobody, collections_url=nobody)
    with pytest.raises(httpx.ConnectError):
        await rebuild(platform, settings, source="stores")
    with pytest.raises(ValueError, match="unknown rebuild source"):
        await rebuild(platform, settings, source="tape")
