"""The four real services' apps, started once per test module on one platform, called in-process."""

from __future__ import annotations

import importlib
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack

import httpx
import pytest
from fastapi import FastAPI

from loanflow.testing import running
from shared.config import SERVICES, PlatformSettings


@pytest.fixture(scope="module")
def matrix_platform(pg_url: str, kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory,
             _created_databases: list[str]) -> PlatformSettings:
    """One platform for the module: its own databases, topics and signing key."""
    settings = PlatformSettings(env="test", home=tmp_path_factory.mktemp("authz") / ".loanflow", database_url=pg_url,
                                kafka_bootstrap=kafka_bootstrap, topic_prefix=f"t{uuid.uuid4().hex[:10]}",
                                jwt_secret="authz-matrix-" + uuid.uuid4().hex, topic_partitions=1, log_json=False,
                                start_date="2026-03-01")
    _created_databases.extend(settings.service_dsn(s) for s in SERVICES)
    return settings


@pytest.fixture(scope="module")
async def services(matrix_platform: PlatformSettings) -> AsyncIterator[dict[str, tuple[FastAPI, httpx.AsyncClient]]]:
    """The four services' apps, started once on the module's platform."""
    async with AsyncExitStack() as stack:
        apps = {}
        for service in SERVICES:
            app = importlib.import_module(f"services.{service}.bootstrap").create_app(None, matrix_platform)
            apps[service] = (app, await stack.enter_async_context(running(app)))
        yield apps
