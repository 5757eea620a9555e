"""Routing keeps a copy of the roster's moves (Collections._routing): it must never route on a stale one.

The copy is checked against the roster stream's head in the same statement (the same snapshot)
that reads the caseloads, so a move made anywhere — through this process's API or another
process — is read again before the next case is routed.
"""

from __future__ import annotations

from typing import Any

from services.collections.adapters import roster as roster_rows


async def _open(desk: Any, servicing: Any, *loans: str) -> list[dict[str, Any]]:
    for loan in loans:
        await servicing.missed(loan, dpd=1)
    return [await desk.case_of(loan) for loan in loans]


async def _head(desk: Any) -> str | None:
    async with desk.app.state.kernel.db.acquire() as conn:
        return await conn.fetchval("SELECT event_id FROM events WHERE stream_id = 'roster' "
                                   "ORDER BY version DESC LIMIT 1")


async def test_a_collector_made_inactive_gets_no_new_case_from_the_copy_routing_kept(desk, servicing):
    ctx = desk.app.state.collections
    first = await _open(desk, servicing, "RC1", "RC2")
    assert {c["assignee"] for c in first} == {"collector-f1", "collector-f2"}  # one each
    assert ctx._roster_moves == (None, [])  # the copy: no move made yet

    r = await desk.client.put("/v1/roster/collector-f1", headers=desk.supervisor,
                              json={"queue": "front", "active": False})
    assert r.status_code == 200, r.text
    # On the copy (f1 active, 1 case each) the next case would go to f1, first in roster order.
    later = await _open(desk, servicing, "RC3", "RC4")
    assert {c["assignee"] for c in later} == {"collector-f2"}
    head = await _head(desk)
    assert head is not None and ctx._roster_moves is not None and ctx._roster_moves[0] == head
    assert [(m.collector, m.active) for m in ctx._roster_moves[1]] == [("collector-f1", False)]

    r = await desk.client.put("/v1/roster/collector-f1", headers=desk.supervisor,
                              json={"queue": "front", "active": True})
    assert r.status_code == 200, r.text
    [back] = await _open(desk, servicing, "RC5")
    assert back["assignee"] == "collector-f1"  # active again, and the least loaded (1 against 3)


async def test_the_routing_read_gives_the_moves_only_when_the_roster_moved_since_the_copy(desk, servicing):
    async with desk.app.state.kernel.db.acquire() as conn:
        never = await roster_rows.routing(conn, roster_rows.UNCACHED, [], [])
        assert never.head is None and never.moves == []
        same = await roster_rows.routing(conn, None, [], [])
        assert same.head is None and same.moves is None  # unchanged: the caller's copy is current

    r = await desk.client.put("/v1/roster/collector-m2", headers=desk.supervisor, json={"queue": "back"})
    assert r.status_code == 200, r.text
    async with desk.app.state.kernel.db.acquire() as conn:
        moved = await roster_rows.routing(conn, None, [], [])
        assert moved.head == await _head(desk) and [(m.collector, m.queue) for m in moved.moves] == [
            ("collector-m2", "back")]
        again = await roster_rows.routing(conn, moved.head, [], [])
        assert again.moves is None
        stale = await roster_rows.routing(conn, "an-older-head", [], [])
        assert stale.moves == moved.moves
