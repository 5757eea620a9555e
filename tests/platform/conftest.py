"""Fixtures for the platform contract tests: a bare database holding only the platform tables."""

from __future__ import annotations

import uuid

import pytest

from shared.db import PLATFORM_DDL, connect, create_pool


@pytest.fixture
async def platform_db(make_db):
    dsn = await make_db("platform")
    conn = await connect(dsn)
    try:
        await conn.execute(PLATFORM_DDL)
    finally:
        await conn.close()
    return dsn


@pytest.fixture
async def pool(platform_db):
    p = await create_pool(platform_db, max_size=12)
    yield p
    await p.close()


@pytest.fixture
def topic():
    return f"t{uuid.uuid4().hex[:10]}.platform"
