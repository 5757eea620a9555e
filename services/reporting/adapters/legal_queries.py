"""Reads for the collections report's legal figures (`rpt_legal_actions`)."""

from __future__ import annotations

from datetime import date

import asyncpg

from services.reporting.domain.legal import LegalStep


async def legal_steps(conn: asyncpg.Connection, end: date) -> list[LegalStep]:
    """Every legal step recorded by the end of `end` (a case's standing then needs its whole history)."""
    rows = await conn.fetch(
        """SELECT case_id, businessdate, sequence, kind, happened_on, cost, amount, outcome FROM rpt_legal_actions
           WHERE businessdate <= $1 ORDER BY case_id, businessdate, sequence, event_id""", end)
    return [LegalStep(r["case_id"], r["businessdate"], r["sequence"], r["kind"], r["happened_on"], r["cost"],
                      r["amount"], r["outcome"]) for r in rows]
