"""Reads for the collections report's arrangement figures (issue 15)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import asyncpg

from services.reporting.domain.arrangements import ArrangementFact


async def arrangement_facts(conn: asyncpg.Connection, end: date) -> list[ArrangementFact]:
    rows = await conn.fetch(
        """SELECT arrangement_id, businessdate, kind, waived, charges, interest, principal FROM rpt_arrangements
           WHERE businessdate <= $1 ORDER BY businessdate, event_id""", end)
    return [ArrangementFact(*r) for r in rows]


async def recovered_under_arrangements(conn: asyncpg.Connection, start: date, end: date) -> Decimal:
    """Payments on a loan from the day servicing applied an arrangement until the day it reverted it (or on)."""
    total = await conn.fetchval(
        """WITH held AS (
               SELECT a.loan_id, a.businessdate AS since,
                      (SELECT min(r.businessdate) FROM rpt_arrangements r
                       WHERE r.arrangement_id = a.arrangement_id AND r.kind = 'reverted') AS until
               FROM rpt_arrangements a WHERE a.kind = 'applied' AND a.businessdate <= $2)
           SELECT coalesce(sum(al.amount), 0) FROM rpt_allocations al
           JOIN held h ON al.loan_id = h.loan_id AND al.businessdate >= h.since
                      AND (h.until IS NULL OR al.businessdate <= h.until)
           WHERE al.businessdate BETWEEN $1 AND $2""", start, end)
    return Decimal(total).quantize(Decimal("0.01"))
