"""Reports as shown: sealed personal fields opened with reporting's copies of the borrowers' keys, then masked."""

from __future__ import annotations

from typing import Any

import asyncpg

from services.reporting.domain.masking import shown
from shared.datakeys import KeyRing, key_ids_in


async def present(conn: asyncpg.Connection, ring: KeyRing | None, value: Any) -> Any:
    """`value` with its sealed fields opened (one key lookup for all) and masked; "erased" once a key is gone."""
    ids = key_ids_in(value)
    if not ids:
        return value
    return shown(value, await ring.keys(conn, ids) if ring is not None else {})
