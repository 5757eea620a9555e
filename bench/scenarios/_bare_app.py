"""Baseline for the repayments scenario: a bare FastAPI endpoint doing one INSERT.

No signature check, no idempotency key, no loan, no allocation, no event: it parses the same
JSON body, inserts one row through an asyncpg pool of a service's size, and answers 201.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from shared.db import create_pool

DDL = """CREATE TABLE IF NOT EXISTS payments (
    payment_id TEXT PRIMARY KEY, loan_id TEXT NOT NULL, amount NUMERIC(18, 2) NOT NULL, body JSONB NOT NULL,
    received_at TIMESTAMPTZ NOT NULL DEFAULT now())"""


def create_app(dsn: str | None = None) -> FastAPI:
    """The bare app on the database in `dsn` (default: env BENCH_BARE_DSN)."""
    target = dsn or os.environ["BENCH_BARE_DSN"]

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.pool = await create_pool(target, max_size=10)
        await app.state.pool.execute(DDL)
        yield
        await app.state.pool.close()

    app = FastAPI(title="bare baseline", lifespan=lifespan)

    @app.post("/v1/repayments", status_code=201)
    async def repayment(request: Request) -> JSONResponse:
        body = json.loads(await request.body())
        payment_id = f"pay_{uuid.uuid4().hex}"
        await request.app.state.pool.execute(
            "INSERT INTO payments (payment_id, loan_id, amount, body) VALUES ($1, $2, $3::numeric, $4)",
            payment_id, body["loan_id"], body["amount"], body)
        return JSONResponse({"payment_id": payment_id}, status_code=201)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app
