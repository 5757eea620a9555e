"""Reads for the collections report's agencies and commission (issue 15): placements and recoveries."""

from __future__ import annotations

from datetime import date

import asyncpg

from services.reporting.domain.agencies import Placement, Recovery


async def placements(conn: asyncpg.Connection, end: date) -> list[Placement]:
    """Every placement made by the end of `end`, with its recall if that came by then too."""
    rows = await conn.fetch(
        """SELECT m.placement_id, m.agency, m.businessdate AS placed_on, m.placed_balance, m.recall_on,
                  r.businessdate AS recalled_on, r.reason
           FROM rpt_placements m
           LEFT JOIN LATERAL (SELECT businessdate, reason FROM rpt_placements x
                              WHERE x.placement_id = m.placement_id AND x.kind = 'recalled' AND x.businessdate <= $1
                              ORDER BY businessdate, event_id LIMIT 1) r ON true
           WHERE m.kind = 'made' AND m.businessdate <= $1
           ORDER BY m.placement_id""",
        end,
    )
    return [
        Placement(
            r["placement_id"],
            r["agency"],
            r["placed_on"],
            r["placed_balance"],
            r["recall_on"],
            r["recalled_on"],
            r["reason"],
        )
        for r in rows
    ]


async def recoveries(conn: asyncpg.Connection, start: date, end: date) -> list[Recovery]:
    """Recovered payments in `start`..`end` with their channel, commission and agency fee."""
    rows = await conn.fetch(
        """SELECT businessdate, channel, collector, amount, commission, agency, placement_id, agency_fee
           FROM rpt_recoveries WHERE businessdate BETWEEN $1 AND $2 ORDER BY businessdate, event_id""",
        start,
        end,
    )
    return [
        Recovery(
            r["businessdate"],
            r["channel"],
            r["collector"],
            r["amount"],
            r["commission"],
            r["agency"],
            r["placement_id"],
            r["agency_fee"],
        )
        for r in rows
    ]
