"""Who saw what: the access audit of revealed personal data (issue 16), one piece for every service.

Personal data (full ID numbers, phones, addresses) is masked by default; revealing it is an explicit
act with a reason, recorded in the same transaction as the read it serves. A service adopts it in a
few lines:

- migration: `execute_script(op, access_audit.DDL)` in a revision (downgrade: `access_audit.DROP`);
- route: take `reveal: RevealDep` (`?reveal=true&reason=...`; a reveal without a reason is 422
  `reason_required`) on the GET, and offer the same reveal as `POST .../reveal` with a `RevealBody`
  (`revealed(body)`): the reason in the body, never in a URL that access logs and proxies keep; check
  who may reveal, then `await access_audit.record(uow.conn, who.sub,
  "application", application_id, reveal.reason, roles=who.roles)` in the read's unit of work;
- listing: `access_audit_router(subject_alias="application_id")` among the service's routers serves
  `GET /v1/audit/access?subject_id=&actor=` (roles `auditor`, `admin`), the alias naming the subject
  the service's own way (`case_id` for collections); oldest first with `cursor`, or newest first with
  `order=newest` / `before=<id>` (keyset on the record's sequence, which `at` follows: the time is taken
  when the record is written).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Literal

import asyncpg
from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from shared.auth import require_roles
from shared.errors import BadRequest, Unprocessable
from shared.paging import parse_cursor

DDL = """
CREATE TABLE IF NOT EXISTS access_audit (
    seq          BIGSERIAL   PRIMARY KEY,
    at           TIMESTAMPTZ NOT NULL DEFAULT now(),
    actor        TEXT        NOT NULL,
    roles        TEXT[]      NOT NULL,
    subject_type TEXT        NOT NULL,
    subject_id   TEXT        NOT NULL,
    reason       TEXT        NOT NULL
);
CREATE INDEX IF NOT EXISTS access_audit_subject ON access_audit (subject_id, seq);
CREATE INDEX IF NOT EXISTS access_audit_actor ON access_audit (actor, seq)
"""
DROP = "DROP TABLE IF EXISTS access_audit"

MAX_REASON = 500
READERS = ("auditor", "admin")
ORDER = ("oldest first (the default; `cursor` continues after a record) or newest first (`cursor` and `before` "
         "continue below a record)")
BEFORE = ("newest first, the records recorded before this record id (keyset paging: pass the answer's "
          "`next_cursor`); implies order=newest")


@dataclass(frozen=True)
class Reveal:
    """A request to see personal data unmasked, and why."""

    reason: str


def reveal_request(
    reveal: Annotated[bool, Query(description="show ID numbers, phones and addresses unmasked "
                                  "(recorded in the access audit; needs `reason`)")] = False,
    reason: Annotated[str | None, Query(description="why the personal data is needed (required with reveal)",
                                        max_length=MAX_REASON)] = None,
) -> Reveal | None:
    """FastAPI dependency: the reveal asked for (None: masked); a reveal without a reason is 422."""
    if not reveal:
        return None
    if reason is None or not reason.strip():
        raise Unprocessable("revealing personal data needs a reason (`reason=`); it is recorded in the access "
                            "audit", code="reason_required",
                            details=[{"field": "query.reason", "type": "missing",
                                      "message": "required with reveal=true"}])
    return Reveal(reason.strip())


RevealDep = Annotated[Reveal | None, Depends(reveal_request)]


class RevealBody(BaseModel):
    """`POST .../reveal`: why the personal data is needed (recorded in the access audit). The reason travels
    in the body so it lands in no URL (access logs, proxies, browser history)."""

    reason: str = Field("", max_length=MAX_REASON, description="why the personal data is needed (required)")


def revealed(body: RevealBody) -> Reveal:
    """The reveal a `RevealBody` asks for; a blank reason is 422 `reason_required` (nothing recorded)."""
    if not body.reason.strip():
        raise Unprocessable("revealing personal data needs a reason (`reason`); it is recorded in the access "
                            "audit", code="reason_required",
                            details=[{"field": "body.reason", "type": "missing", "message": "required"}])
    return Reveal(body.reason.strip())


async def record(conn: asyncpg.Connection, actor: str, subject_type: str, subject_id: str, reason: str, *,
                 roles: Iterable[str] = (), at: datetime | None = None) -> int:
    """Record that `actor` saw `subject_type` `subject_id` unmasked, and why; its sequence number.

    Call it on the connection of the read's own transaction: the read is served only if it is recorded.
    """
    if not reason.strip():
        raise ValueError("an access is recorded with its reason")
    seq = await conn.fetchval(
        "INSERT INTO access_audit (at, actor, roles, subject_type, subject_id, reason) "
        "VALUES (coalesce($1, clock_timestamp()), $2, $3, $4, $5, $6) RETURNING seq",
        at, actor, sorted(set(roles)), subject_type, subject_id, reason.strip())
    return int(seq)


async def page(conn: asyncpg.Connection, *, subject_id: str | None = None, actor: str | None = None,
               after: int = 0, limit: int = 50, newest_first: bool = False,
               before: int | None = None) -> list[dict[str, Any]]:
    """Recorded accesses oldest first after sequence `after`, or (`newest_first`) newest first below sequence
    `before` (keyset: no offset, a page is one index range), optionally of one subject and/or actor."""
    if newest_first:
        rows = await conn.fetch(
            "SELECT seq, at, actor, roles, subject_type, subject_id, reason FROM access_audit "
            "WHERE ($1::bigint IS NULL OR seq < $1) AND ($2::text IS NULL OR subject_id = $2) "
            "AND ($3::text IS NULL OR actor = $3) ORDER BY seq DESC LIMIT $4", before, subject_id, actor, limit)
    else:
        rows = await conn.fetch(
            "SELECT seq, at, actor, roles, subject_type, subject_id, reason FROM access_audit "
            "WHERE seq > $1 AND ($2::text IS NULL OR subject_id = $2) AND ($3::text IS NULL OR actor = $3) "
            "ORDER BY seq LIMIT $4", after, subject_id, actor, limit)
    return [{"id": r["seq"], "at": r["at"], "actor": r["actor"], "roles": list(r["roles"]),
             "subject_type": r["subject_type"], "subject_id": r["subject_id"], "reason": r["reason"]} for r in rows]


class AccessRecordPublic(BaseModel):
    id: int  # sequence in this service's audit
    at: datetime
    actor: str  # the person (token `sub`) who saw the data
    roles: list[str]  # the roles they held then
    subject_type: str  # e.g. application, case
    subject_id: str
    reason: str


class AccessPage(BaseModel):
    items: list[AccessRecordPublic]
    next_cursor: str | None


def _subject_query(alias: str | None) -> Callable[..., str | None]:
    """The subject filter: `subject_id`, or the service's own name for it (`application_id`, `case_id`)."""
    if alias is None:
        def subject(subject_id: str | None = None) -> str | None:
            return subject_id
        return subject

    # defaults, not Annotated: the annotations are strings and `alias` is this function's local
    def aliased(subject_id: str | None = None,
                named: str | None = Query(None, alias=alias, description="the same as subject_id"),
                ) -> str | None:
        if subject_id and named and subject_id != named:
            raise BadRequest(f"subject_id and {alias} name different subjects", code="conflicting_filters",
                             details=[{"subject_id": subject_id[:80], alias: named[:80]}])
        return subject_id or named
    return aliased


def access_audit_router(*, subject_alias: str | None = None, roles: tuple[str, ...] = READERS) -> APIRouter:
    """`GET /audit/access` (mounted under /v1): the service's recorded reveals, paged; auditor and admin."""
    router = APIRouter(prefix="/audit", tags=["audit"])
    subject_dep = _subject_query(subject_alias)

    @router.get("/access", response_model=AccessPage, dependencies=[Depends(require_roles(*roles))])
    async def list_access(request: Request, subject: str | None = Depends(subject_dep),
                          actor: str | None = None, limit: int = Query(50, ge=1, le=500),
                          cursor: str | None = None,
                          order: Literal["oldest", "newest"] = Query("oldest", description=ORDER),
                          before: str | None = Query(None, description=BEFORE)) -> dict[str, Any]:
        """Who saw which personal data, when and why; `subject_id` and `actor` filter.

        Oldest first (`cursor`: the records after it), or newest first with `order=newest` or `before=<id>`
        (keyset: the records recorded before record `id`; `next_cursor` is then the next page's `before`)."""
        newest = order == "newest" or before is not None
        if before is not None and order == "oldest" and "order" in request.query_params:
            raise BadRequest("before pages newest first; it cannot be used with order=oldest",
                             code="conflicting_filters", details=[{"before": before[:40], "order": order}])
        if before is not None and cursor:
            raise BadRequest("give either before or cursor", code="conflicting_filters",
                             details=[{"before": before[:40], "cursor": cursor[:40]}])
        async with request.app.state.kernel.db.acquire() as conn:
            if newest:
                bound = parse_cursor(before if before is not None else cursor) or None
                if (before is not None or cursor) and bound is None:  # before=0: nothing is older than the first
                    return {"items": [], "next_cursor": None}
                items = await page(conn, subject_id=subject, actor=actor, limit=limit, newest_first=True,
                                   before=bound)
            else:
                items = await page(conn, subject_id=subject, actor=actor, after=parse_cursor(cursor), limit=limit)
        return {"items": items, "next_cursor": str(items[-1]["id"]) if len(items) == limit else None}

    return router
