"""API dependencies: the collections context and command bus, roles, a read connection, pages."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

import asyncpg
from fastapi import Depends, Request

from services.collections.service_layer.context import Collections
from shared.auth import Principal, require_roles
from shared.messagebus import CommandBus

READERS = ("collector", "collections_supervisor", "legal", "admin")
WORKERS = ("collector", "collections_supervisor", "legal", "admin")
SUPERVISORS = ("collections_supervisor", "admin")
DECIDERS = ("legal", "collections_supervisor", "admin")
APPROVERS = ("collections_supervisor", "credit_manager")  # approve or reject arrangements (issue 15)
ARRANGEMENT_READERS = (*READERS, "credit_manager")
CASE_READERS = (*READERS, "auditor")  # one case: an auditor reads it masked, read-only (views.audit_view)


def get_ctx(request: Request) -> Collections:
    return request.app.state.collections  # type: ignore[no-any-return]


def get_bus(request: Request) -> CommandBus[Collections]:
    return request.app.state.bus  # type: ignore[no-any-return]


CtxDep = Annotated[Collections, Depends(get_ctx)]
Bus = Annotated[CommandBus[Collections], Depends(get_bus)]
Reader = Annotated[Principal, Depends(require_roles(*READERS))]
Worker = Annotated[Principal, Depends(require_roles(*WORKERS))]
Supervisor = Annotated[Principal, Depends(require_roles(*SUPERVISORS))]
Decider = Annotated[Principal, Depends(require_roles(*DECIDERS))]
Approver = Annotated[Principal, Depends(require_roles(*APPROVERS))]
ArrangementReader = Annotated[Principal, Depends(require_roles(*ARRANGEMENT_READERS))]
CaseReader = Annotated[Principal, Depends(require_roles(*CASE_READERS))]


@asynccontextmanager
async def reading(request: Request) -> AsyncIterator[asyncpg.Connection]:
    """A connection in a read transaction (one snapshot for a page or a view)."""
    async with request.app.state.kernel.db.acquire() as conn:
        async with conn.transaction(readonly=True):
            yield conn


def page(items: list[Any], offset: int, limit: int) -> dict[str, Any]:
    return {"items": items, "next_cursor": str(offset + limit) if len(items) == limit else None}
