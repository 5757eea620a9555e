"""A partition batch of notices handled set-based must end exactly where one-by-one handling ends.

The consumer hands collections each partition batch at once; runs of missed-payment notices
about distinct loans are handled in a few statements (`on_missed_many`). Here the same batch
is applied both ways to the same starting database (each in a transaction rolled back
afterwards) and the cases and the events they append are compared.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from services.collections.service_layer.events import make_batch_handler, make_handler


class RolledBack(Exception):
    pass


def batch(servicing) -> list[Any]:
    """A day-close burst: several loans, one loan twice, a stale notice, a loan already cured."""
    s = servicing
    return [
        s.missed_event("B1", 1),
        s.missed_event("B2", 1, sequence=2),
        s.missed_event("B4", 31, due=date(2026, 3, 20), amount="2200.00"),
        s.missed_event("B1", 5),  # the same loan again: a later notice in the same batch
        s.paid_event("B3", "1066.19", date(2026, 4, 21), status="current", sequence=5),
        s.missed_event("B3", 1, sequence=4),  # older than the payment that cured it: stale
        s.missed_event("B5", 2),
        s.missed_event("B2", 0, sequence=1),  # B2's notice re-sent with an older sequence: nothing new
        s.missed_event("B6", 95, due=date(2026, 1, 17), amount="5000.00"),
    ]


async def outcome(desk, events, *, together: bool) -> dict[str, Any]:
    ctx = desk.app.state.collections
    result: dict[str, Any] = {}
    async with desk.app.state.kernel.db.acquire() as conn:
        try:
            async with conn.transaction():
                if together:
                    await make_batch_handler(ctx)(conn, events)
                else:
                    handle = make_handler(ctx)
                    for event in events:
                        await handle(conn, event)
                cases = await conn.fetch("SELECT case_id, version, status, stage, assignee, days_past_due, state "
                                         "FROM cases ORDER BY case_id")
                result["cases"] = [dict(r) for r in cases]
                appended = await conn.fetch("SELECT stream_id, version, type, envelope FROM events "
                                            "ORDER BY stream_id, version")
                result["events"] = [(r["stream_id"], r["version"], r["type"], r["envelope"]["data"],
                                     r["envelope"]["businessdate"]) for r in appended]
                result["causes"] = [r["envelope"].get("causationid") for r in appended]
                result["caseload"] = [dict(r) for r in await conn.fetch("SELECT * FROM caseload ORDER BY 1")]
                result["directory"] = [dict(r) for r in await conn.fetch(
                    "SELECT loan_id, servicing_seq, servicing_status FROM loan_directory ORDER BY 1")]
                raise RolledBack
        except RolledBack:
            pass
    return result


async def test_a_batch_handled_set_based_ends_where_one_by_one_ends(desk, servicing):
    events = batch(servicing)
    one_by_one = await outcome(desk, events, together=False)
    together = await outcome(desk, events, together=True)

    opened = {c["case_id"]: c for c in one_by_one["cases"]}
    assert sorted(opened) == ["B1-E1", "B2-E1", "B4-E1", "B5-E1", "B6-E1"]  # none for the cured B3
    assert opened["B1-E1"]["days_past_due"] == 5 and opened["B2-E1"]["days_past_due"] == 1
    assert (opened["B4-E1"]["stage"], opened["B6-E1"]["stage"]) == ("mid", "back")
    assert all(c["assignee"] for c in one_by_one["cases"])

    assert together["cases"] == one_by_one["cases"]
    assert together["events"] == one_by_one["events"]
    assert together["caseload"] == one_by_one["caseload"]
    assert together["directory"] == one_by_one["directory"]
    ids = {e.id for e in events}
    assert set(together["causes"]) <= ids and together["causes"] == one_by_one["causes"]


async def test_redelivered_notices_in_one_batch_open_one_case_each(desk, servicing):
    """Through the running consumer: a burst for many loans, sent twice, opens one case per loan."""
    burst = [servicing.missed_event(f"R{i}", 1) for i in range(40)]
    await servicing.send("servicing", "burst", *(burst + burst))  # one partition: batches of many loans
    await desk.handled({e.id for e in burst})
    async with desk.app.state.kernel.db.acquire() as conn:
        per_loan = await conn.fetch("SELECT loan_id, count(*) AS n FROM cases GROUP BY loan_id")
        opened = await conn.fetchval("SELECT count(*) FROM events WHERE type = 'collections.case.opened'")
        load = await conn.fetchval("SELECT sum(open_cases) FROM caseload")
    assert sorted(r["loan_id"] for r in per_loan) == sorted(f"R{i}" for i in range(40))
    assert all(r["n"] == 1 for r in per_loan) and opened == 40 and load == 40
