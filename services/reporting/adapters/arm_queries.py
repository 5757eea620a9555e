"""The policy-arms cohort read back from the read models: cases opened in a period with their outcomes."""

from __future__ import annotations

from datetime import date

import asyncpg

from services.reporting.adapters.queries import case_histories
from services.reporting.domain.arms import ArmCase
from services.reporting.domain.collections import CURED

COHORT = """
SELECT a.case_id, a.arm,
       (SELECT coalesce(sum(r.amount), 0) FROM rpt_recoveries r
         WHERE r.case_id = a.case_id AND r.businessdate <= $2) AS recovered,
       (SELECT count(*) FROM rpt_contacts c WHERE c.case_id = a.case_id AND c.businessdate <= $2) AS contacts,
       (SELECT count(*) FILTER (WHERE p.kind = 'kept') FROM rpt_promises p
         WHERE p.case_id = a.case_id AND p.businessdate <= $2) AS kept,
       (SELECT count(*) FILTER (WHERE p.kind IN ('kept', 'broken')) FROM rpt_promises p
         WHERE p.case_id = a.case_id AND p.businessdate <= $2) AS judged
FROM rpt_case_arms a
WHERE a.businessdate BETWEEN $1 AND $2
ORDER BY a.case_id
"""


async def arm_cohort(conn: asyncpg.Connection, start: date, end: date) -> list[ArmCase]:
    """Every case opened in [start, end], in its arm, with what became of it by the end of `end`."""
    histories = {c.case_id: c for c in await case_histories(conn, end)}
    cohort = []
    for r in await conn.fetch(COHORT, start, end):
        history = histories.get(r["case_id"])
        cured = history is not None and history.resolution in CURED and history.resolved_on is not None
        rolled = history is not None and len(history.stages) > 1
        cohort.append(ArmCase(case_id=r["case_id"], arm=r["arm"], cured=cured, rolled=rolled,
                              recovered=r["recovered"], contacts=r["contacts"], promises_kept=r["kept"],
                              promises_judged=r["judged"]))
    return cohort
