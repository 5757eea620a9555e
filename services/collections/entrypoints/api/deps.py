"""API dependencies: the collections context, roles, a transaction that maps domain refusals."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Annotated, Any

import asyncpg
from fastapi import Depends, Request

from services.collections.domain.errors import CaseRuleViolation, InvalidCommand
from services.collections.service_layer.context import Collections
from shared import idempotency
from shared.auth import Principal, require_roles
from shared.errors import BadRequest, Conflict, Unprocessable

READERS = ("collector", "collections_supervisor", "legal", "admin")
WORKERS = ("collector", "collections_supervisor", "legal", "admin")
SUPERVISORS = ("collections_supervisor", "admin")
DECIDERS = ("legal", "collections_supervisor", "admin")


def get_ctx(request: Request) -> Collections:
    return request.app.state.collections  # type: ignore[no-any-return]


CtxDep = Annotated[Collections, Depends(get_ctx)]
Reader = Annotated[Principal, Depends(require_roles(*READERS))]
Worker = Annotated[Principal, Depends(require_roles(*WORKERS))]
Supervisor = Annotated[Principal, Depends(require_roles(*SUPERVISORS))]
Decider = Annotated[Principal, Depends(require_roles(*DECIDERS))]


@asynccontextmanager
async def transaction(request: Request) -> AsyncIterator[asyncpg.Connection]:
    """A connection in a transaction; domain refusals become 409 (rule named) or 422."""
    async with request.app.state.kernel.db.acquire() as conn:
        try:
            async with conn.transaction():
                yield conn
        except CaseRuleViolation as exc:
            raise Conflict(exc.message, code=exc.rule, details=[{"rule": exc.rule}])
        except InvalidCommand as exc:
            raise Unprocessable(exc.message, code=exc.code)
        except (asyncpg.DeadlockDetectedError, asyncpg.SerializationError):
            raise Conflict("another change to this case won the race; reload and retry",
                           code="concurrent_modification")


MAX_OFFSET = 2**63 - 1  # PostgreSQL's OFFSET is a bigint


def page_offset(cursor: str | None) -> int:
    """The offset a `next_cursor` stands for; anything else (non-ASCII digits, beyond bigint) is 400 bad_cursor."""
    if cursor is None:
        return 0
    if not (cursor.isascii() and cursor.isdigit()) or int(cursor) > MAX_OFFSET:
        raise BadRequest("cursor is not one this API issued", code="bad_cursor")
    return int(cursor)


def page(items: list[Any], offset: int, limit: int) -> dict[str, Any]:
    return {"items": items, "next_cursor": str(offset + limit) if len(items) == limit else None}


async def idempotent(request: Request, conn: asyncpg.Connection, who: Principal,
                     action: Callable[[], Awaitable[dict[str, Any]]]) -> dict[str, Any]:
    """With an `Idempotency-Key` header, a retried request replays the first answer (same transaction)."""
    key = request.headers.get("idempotency-key")
    if not key:
        return await action()
    scope = f"collections:{who.sub}:{request.url.path}"
    stored = await idempotency.begin(conn, scope, key, idempotency.request_hash(await request.body()))
    if stored is not None:
        return stored.body  # type: ignore[no-any-return]
    result = await action()
    await idempotency.finish(conn, scope, key, 201, result)
    return result
