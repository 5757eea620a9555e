"""Partners who post repayments, with their HMAC secrets (servicing's own table)."""

from __future__ import annotations

import secrets
import uuid
from typing import Any

import asyncpg


def new_secret() -> str:
    return secrets.token_urlsafe(32)


async def add(conn: asyncpg.Connection, name: str) -> dict[str, str]:
    """Register a partner; the secret is returned once, here."""
    partner_id = f"ptn_{uuid.uuid4().hex[:16]}"
    secret = new_secret()
    await conn.execute("INSERT INTO partners (partner_id, name, secret) VALUES ($1, $2, $3)",
                       partner_id, name, secret)
    return {"partner_id": partner_id, "name": name, "secret": secret}


async def rotate(conn: asyncpg.Connection, partner_id: str) -> str | None:
    """Replace a partner's secret; None when the partner is unknown."""
    secret = new_secret()
    done = await conn.fetchval(
        "UPDATE partners SET secret = $2, rotated_at = now() WHERE partner_id = $1 RETURNING 1", partner_id, secret)
    return secret if done else None


async def secret_of(conn: asyncpg.Connection, partner_id: str) -> str | None:
    return await conn.fetchval("SELECT secret FROM partners WHERE partner_id = $1 AND active", partner_id)


async def listing(conn: asyncpg.Connection, limit: int, after: str | None) -> list[dict[str, Any]]:
    """Partners without their secrets, by id."""
    rows = await conn.fetch(
        """SELECT partner_id, name, active, created_at, rotated_at FROM partners
           WHERE $2::text IS NULL OR partner_id > $2 ORDER BY partner_id LIMIT $1""", limit, after)
    return [dict(r) for r in rows]
