"""Idempotency keys with Stripe's semantics, reserved in the effect's own transaction.

`begin` inserts (scope, key, request hash) inside the caller's transaction. A concurrent
request with the same key blocks on the primary key until the first commits, then sees
the stored response (replay) or a different hash (409). A failed request rolls back and
stores nothing, so validation failures are not remembered.

The one replay rule for every service: a retry with the same key and body gets the stored
status code and body with the header `Idempotent-Replayed: true` (`once` raises `Replay`,
which `shared.errors.install_error_handlers` answers). Routes take the key with
`shared.service.IdempotencyDep`; this module loads no web framework (commands may carry a key).
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel

from shared.errors import Conflict, Replay

if TYPE_CHECKING:
    import asyncpg

T = TypeVar("T")


@dataclass(frozen=True)
class StoredResponse:
    status_code: int
    body: Any


@dataclass(frozen=True)
class IdempotencyKey:
    """The `Idempotency-Key` of a request and the hash of its raw body."""

    key: str
    body_hash: str


def request_hash(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


async def begin(conn: asyncpg.Connection, scope: str, key: str, body_hash: str) -> StoredResponse | None:
    """Reserve the key (returns None: go ahead) or return the stored response to replay."""
    inserted = await conn.fetchval(
        """INSERT INTO idempotency_keys (scope, key, request_hash) VALUES ($1, $2, $3)
           ON CONFLICT DO NOTHING RETURNING 1""", scope, key, body_hash)
    if inserted:
        return None
    row = await conn.fetchrow(
        "SELECT request_hash, status_code, response FROM idempotency_keys WHERE scope = $1 AND key = $2",
        scope, key)
    if row is None:  # pragma: no cover - deleted by expiry in between
        raise Conflict("idempotency key is being reused; retry", code="idempotency_key_in_use")
    if row["request_hash"] != body_hash:
        raise Conflict("Idempotency-Key was already used with a different request body",
                       code="idempotency_key_reused")
    if row["status_code"] is None:
        raise Conflict("a request with this Idempotency-Key is still in progress", code="idempotency_key_in_use")
    return StoredResponse(row["status_code"], row["response"])


async def finish(conn: asyncpg.Connection, scope: str, key: str, status_code: int, body: Any) -> None:
    """Store the response to replay for this key (same transaction as the effect)."""
    await conn.execute(
        "UPDATE idempotency_keys SET status_code = $3, response = $4 WHERE scope = $1 AND key = $2",
        scope, key, status_code, body)


async def once(conn: asyncpg.Connection, scope: str, key: IdempotencyKey | None,
               action: Callable[[], Awaitable[T]], status_code: int = 201) -> T:
    """Run `action` once per key in `scope` (inside the caller's transaction) and store its answer.

    No key: just run it. A retry with the same key and body raises `Replay` (the stored status,
    body and `Idempotent-Replayed: true`); the same key with another body is 409.
    """
    if key is None:
        return await action()
    stored = await begin(conn, scope, key.key, key.body_hash)
    if stored is not None:
        raise Replay(stored.status_code, stored.body)
    answer = await action()
    body = answer.model_dump(mode="json") if isinstance(answer, BaseModel) else answer
    await finish(conn, scope, key.key, status_code, body)
    return answer


async def purge_older_than(conn: asyncpg.Connection, hours: int = 72) -> int:
    """Forget keys older than `hours` (kept at least 24 h)."""
    result = await conn.execute(
        "DELETE FROM idempotency_keys WHERE created_at < now() - make_interval(hours => $1)", max(hours, 24))
    return int(result.split()[-1])
