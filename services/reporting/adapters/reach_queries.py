"""Reads for the collections report's reach figures: cases open at a date with their last contact."""

from __future__ import annotations

from datetime import date

import asyncpg

from services.reporting.domain.reach import OpenCase, open_cases


async def cases_open_at(conn: asyncpg.Connection, end: date) -> list[OpenCase]:
    """Cases open at the end of `end`, each with its last contact by then (letters sent by the policy are not
    contacts here: collections counts a case untouched from its last logged contact)."""
    states = await conn.fetch(
        """SELECT case_id, businessdate, kind, stage, collector, queue FROM rpt_case_states
           WHERE businessdate <= $1 ORDER BY case_id, businessdate, sequence, event_id""", end)
    contacts = await conn.fetch(
        """SELECT case_id, max(businessdate) AS last FROM rpt_contacts
           WHERE businessdate <= $1 AND NOT (channel = 'letter' AND outcome = 'letter_sent') GROUP BY case_id""", end)
    return open_cases([tuple(r) for r in states], {r["case_id"]: r["last"] for r in contacts})
