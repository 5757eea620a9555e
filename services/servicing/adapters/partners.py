"""Partners who post repayments, with their HMAC secrets (servicing's own table, sealed: shared/secretbox.py)."""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime, timedelta
from typing import Any

import asyncpg

from shared.secretbox import SecretBox, is_sealed


def new_secret() -> str:
    return secrets.token_urlsafe(32)


async def add(conn: asyncpg.Connection, name: str, box: SecretBox, *,
              channel: str | None = None) -> dict[str, str | None]:
    """Register a partner; the secret is returned once, here (stored sealed)."""
    partner_id = f"ptn_{uuid.uuid4().hex[:16]}"
    secret = new_secret()
    await conn.execute("INSERT INTO partners (partner_id, name, secret, channel) VALUES ($1, $2, $3, $4)",
                       partner_id, name, box.seal(secret, bound_to=partner_id), channel)
    return {"partner_id": partner_id, "name": name, "channel": channel, "secret": secret}


async def channel_and_product(conn: asyncpg.Connection, partner_id: str, loan_id: str) -> tuple[str | None, str | None]:
    """The partner's channel (None: any loan) and the loan's product (None: unknown loan)."""
    row = await conn.fetchrow(
        "SELECT (SELECT channel FROM partners WHERE partner_id = $1) AS channel,"
        " (SELECT product FROM loans WHERE loan_id = $2) AS product", partner_id, loan_id)
    return row["channel"], row["product"]


async def seal_stored(conn: asyncpg.Connection, box: SecretBox) -> int:
    """Seal secrets stored in plain text before encryption at rest existed; returns how many."""
    rows = await conn.fetch("SELECT partner_id, secret, previous_secret FROM partners FOR UPDATE")
    sealed = 0
    for r in rows:
        pid = r["partner_id"]
        current, previous = r["secret"], r["previous_secret"]
        if is_sealed(current) and (previous is None or is_sealed(previous)):
            continue
        await conn.execute("UPDATE partners SET secret = $2, previous_secret = $3 WHERE partner_id = $1", pid,
                           current if is_sealed(current) else box.seal(current, bound_to=pid),
                           previous if previous is None or is_sealed(previous) else box.seal(previous, bound_to=pid))
        sealed += 1
    return sealed


async def rotate(conn: asyncpg.Connection, partner_id: str, box: SecretBox, *, now: datetime,
                 grace: timedelta) -> tuple[str, datetime | None] | None:
    """Replace a partner's secret; the old one still verifies until now + grace (not at all if grace is 0).

    Returns (new secret, when the old one stops working), or None when the partner is unknown.
    """
    secret = new_secret()
    until = now + grace if grace > timedelta(0) else None
    done = await conn.fetchval(
        """UPDATE partners SET previous_secret = CASE WHEN $3::timestamptz IS NULL THEN NULL ELSE secret END,
                               previous_valid_until = $3, secret = $2, rotated_at = $4
           WHERE partner_id = $1 RETURNING 1""", partner_id, box.seal(secret, bound_to=partner_id), until, now)
    return (secret, until) if done else None


async def secrets_of(conn: asyncpg.Connection, partner_id: str, now: datetime, box: SecretBox) -> list[str]:
    """The secrets a signature may use now: the current one, then the previous one within its grace."""
    row = await conn.fetchrow(
        "SELECT secret, previous_secret, previous_valid_until FROM partners WHERE partner_id = $1 AND active",
        partner_id)
    if row is None:
        return []
    valid = [box.open(row["secret"], bound_to=partner_id)]
    if row["previous_secret"] and row["previous_valid_until"] and now < row["previous_valid_until"]:
        valid.append(box.open(row["previous_secret"], bound_to=partner_id))
    return valid


async def listing(conn: asyncpg.Connection, limit: int, after: str | None) -> list[dict[str, Any]]:
    """Partners without their secrets, by id."""
    rows = await conn.fetch(
        """SELECT partner_id, name, channel, active, created_at, rotated_at FROM partners
           WHERE $2::text IS NULL OR partner_id > $2 ORDER BY partner_id LIMIT $1""", limit, after)
    return [dict(r) for r in rows]
