"""Replay every case stream and compare the fold with the `cases` row it left (a snapshot)."""

from __future__ import annotations

from typing import Any

import asyncpg

from services.collections.adapters.cases import stream_id
from services.collections.domain.history import fold
from services.collections.domain.state import CaseRules, CaseState, decided
from shared.contracts import parse_data
from shared.eventstore import PostgresEventStore


async def unequal_folds(conn: asyncpg.Connection, store: PostgresEventStore, rules: CaseRules) -> dict[str, Any]:
    """Per case whose folded state differs from its row: the fields that differ (empty: all equal).

    Reads rows and streams in one repeatable-read snapshot, so consumers still running do not
    show a half-written change (the row and its events commit together).
    """
    async with conn.transaction(isolation="repeatable_read", readonly=True):
        rows = await conn.fetch("SELECT case_id, episode_key, state FROM cases ORDER BY case_id")
        unequal: dict[str, Any] = {}
        for row in rows:
            events = await store.load(conn, stream_id(row["case_id"]))
            folded = decided(fold(((parse_data(e), e.businessdate) for e in events),
                                  episode_key=row["episode_key"], rules=rules))
            stored = decided(CaseState.model_validate(row["state"]))
            diff = {k: (folded[k], stored[k]) for k in stored if folded.get(k) != stored[k]}
            if diff:
                unequal[row["case_id"]] = diff
    return {"cases": len(rows), "unequal": unequal}
