"""Reports as shown: sealed personal fields opened with reporting's copies of the borrowers' keys, then masked."""

from __future__ import annotations

from typing import Any

import asyncpg

from services.reporting.domain.masking import shown
from shared import access_audit
from shared.datakeys import KeyRing, key_ids_in
from shared.errors import Forbidden


async def present(conn: asyncpg.Connection, ring: KeyRing | None, value: Any, *, masked: bool = True) -> Any:
    """`value` with its sealed fields opened (one key lookup for all) and masked; "erased" once a key is gone."""
    ids = key_ids_in(value)
    if not ids:
        return value
    return shown(value, await ring.keys(conn, ids) if ring is not None else {}, masked=masked)


async def unmasked_export(conn: asyncpg.Connection, ring: KeyRing | None, value: Any, *, allowed: bool, actor: str,
                          roles: frozenset[str], subject: str, reason: str) -> Any:
    """An export with the personal fields unmasked (issue 16: none by default): refused unless configured
    (LOANFLOW_REPORTING_UNMASKED_EXPORTS), and recorded in the access audit (who, when, what, why) in the
    same transaction as the read, so nothing unrecorded leaves."""
    if not allowed:
        raise Forbidden("unmasked exports are not allowed here (LOANFLOW_REPORTING_UNMASKED_EXPORTS)",
                        code="unmasked_export_not_allowed")
    async with conn.transaction():
        await access_audit.record(conn, actor, "export", subject, reason, roles=roles)
        return await present(conn, ring, value, masked=False)
