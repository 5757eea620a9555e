"""The roster: collectors moved between queues (stages), their cases staying or rebalanced; bulk reassignment."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from services.collections.domain.errors import CaseRuleViolation
from services.collections.domain.roster import (
    Move,
    Roster,
    apply,
    idle_for,
    idle_since,
    kept_from_rebalance,
    left_queues,
    rebalance,
)
from shared.contracts import parse_data

CONFIG = {"front": ["f1", "f2", "f3"], "mid": ["m1"], "legal": ["l1"]}


# ---- the roster, pure ------------------------------------------------------------------------------------------


def test_a_moved_collector_works_only_their_new_queue_after_its_configured_members():
    roster = Roster(CONFIG, [Move("f2", "mid", True)])
    assert roster.active_by_queue() == {"front": ["f1", "f3"], "mid": ["m1", "f2"], "legal": ["l1"]}
    assert [(m.collector, m.stage) for m in roster.members() if m.queue == "mid"] == [("m1", "mid"), ("f2", "mid")]
    assert roster.queues_of("f2") == ["mid"]


def test_an_inactive_collector_stays_listed_but_takes_no_new_cases():
    roster = Roster(CONFIG, [Move("f1", "front", False)])
    assert roster.active_by_queue()["front"] == ["f2", "f3"]
    assert not roster.is_active("f1") and roster.is_active("f2")
    assert roster.is_active("someone-not-on-the-roster")  # as before the roster: a supervisor may name anyone


def test_a_move_records_where_the_collector_came_from_and_a_repeat_records_nothing():
    roster = Roster(CONFIG)
    event = roster.move("f2", queue="mid", active=True, cases="rebalance", by="chen")
    assert event is not None
    assert (event.from_queues, event.to_queue, event.was_active, event.cases) == (["front"], "mid", True, "rebalance")
    after = Roster(CONFIG, apply([], event))
    assert after.move("f2", queue="mid", active=True, cases="stay", by="chen") is None
    assert left_queues(event) == ["front"]


def test_making_a_collector_inactive_applies_the_rule_to_their_own_queue_too():
    event = Roster(CONFIG).move("f1", queue="front", active=False, cases="rebalance", by="chen")
    assert event is not None and left_queues(event) == ["front"]


def test_a_move_to_a_queue_not_configured_is_refused():
    with pytest.raises(CaseRuleViolation) as err:
        Roster(CONFIG).move("f1", queue="nowhere", active=True, cases="stay", by="chen")
    assert err.value.rule == "unknown_queue"


def test_a_new_collector_joins_a_queue():
    event = Roster(CONFIG).move("new", queue="front", active=True, cases="stay", by="chen")
    assert event is not None and event.from_queues == [] and not event.was_active
    assert Roster(CONFIG, apply([], event)).active_by_queue()["front"] == ["f1", "f2", "f3", "new"]


def test_moves_keep_the_order_of_first_move():
    moves = [Move("f1", "mid", True), Move("f2", "mid", True)]
    event = Roster(CONFIG, moves).move("f1", queue="mid", active=False, cases="stay", by="chen")
    assert event is not None
    assert apply(moves, event) == [Move("f1", "mid", False), Move("f2", "mid", True)]


def test_rebalance_spreads_over_the_least_loaded_never_to_the_leaver_nor_an_originator():
    plan = rebalance(
        [("c1", "L1"), ("c2", "L2"), ("c3", "L3"), ("c4", "L4")],
        ["f1", "f2", "f3"],
        {"f1": 5, "f2": 0, "f3": 0},
        {"L2": {"f3"}, "L4": {"f2", "f3"}},
        leaving="f1",
    )
    assert plan == {"c1": "f2", "c2": "f2", "c3": "f3", "c4": None}


# ---- the API, on the running service ----------------------------------------------------------------------------


async def _open_cases(desk: Any, servicing: Any, loans: tuple[str, ...]) -> list[dict[str, Any]]:
    for loan in loans:
        await servicing.missed(loan, dpd=1)
    return [await desk.case_of(loan) for loan in loans]


async def _stream(desk: Any, stream: str) -> list[Any]:
    ctx = desk.app.state.collections
    async with desk.app.state.kernel.db.acquire() as conn:
        return await ctx.store.load(conn, stream)


def _member(roster: dict[str, Any], collector: str) -> dict[str, Any]:
    [found] = [m for m in roster["items"] if m["collector"] == collector]
    return found


async def test_the_roster_lists_collectors_with_stage_activity_and_open_cases(desk, servicing):
    await _open_cases(desk, servicing, ("R1", "R2", "R3"))
    r = await desk.client.get("/v1/roster", headers=desk.supervisor)
    assert r.status_code == 200, r.text
    roster = r.json()
    assert roster["version"] == 0 and roster["cases_rule"] == "stay"
    assert (_member(roster, "collector-f1")["open_cases"], _member(roster, "collector-f2")["open_cases"]) == (2, 1)
    assert _member(roster, "collector-m1") == {
        "collector": "collector-m1",
        "queue": "mid",
        "stage": "mid",
        "active": True,
        "open_cases": 0,
        "open_cases_total": 0,
    }
    assert _member(roster, "legal-1")["stage"] is None
    refused = await desk.client.get("/v1/roster", headers=desk.as_("collector-f1", "collector"))
    assert refused.status_code == 403


async def test_a_front_collector_moved_to_mid_keeps_their_cases_and_new_front_cases_skip_them(desk, servicing):
    """The notes: part of the front-end team moved to support mid-end in July–August."""
    [first] = await _open_cases(desk, servicing, ("S1",))
    assert first["assignee"] == "collector-f1"
    r = await desk.client.put(
        "/v1/roster/collector-f1",
        headers=desk.supervisor,
        json={"queue": "mid", "cases": "stay", "reason": "support mid-end, July–August"},
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["changed"] and body["rebalanced"] == [] and body["version"] == 1
    assert _member(body, "collector-f1") == {
        "collector": "collector-f1",
        "queue": "mid",
        "stage": "mid",
        "active": True,
        "open_cases": 0,
        "open_cases_total": 1,
    }
    assert (await desk.case(first["case_id"]))["assignee"] == "collector-f1"  # stay
    cases = await _open_cases(desk, servicing, ("S2", "S3"))
    assert {c["assignee"] for c in cases} == {"collector-f2"}  # the front queue now has collector-f2 only
    [event] = await _stream(desk, "roster")
    data = parse_data(event)
    assert (event.type, data.collector, data.from_queues, data.to_queue, data.changed_by) == (
        "collections.roster.changed",
        "collector-f1",
        ["front"],
        "mid",
        "chen",
    )
    again = await desk.client.put("/v1/roster/collector-f1", headers=desk.supervisor, json={"queue": "mid"})
    assert again.json()["changed"] is False and len(await _stream(desk, "roster")) == 1


async def test_with_rebalance_a_leavers_cases_go_to_the_queues_other_active_collectors(desk, servicing):
    cases = await _open_cases(desk, servicing, ("T1", "T2", "T3", "T4"))
    held = [c["case_id"] for c in cases if c["assignee"] == "collector-f2"]
    assert len(held) == 2
    r = await desk.client.put(
        "/v1/roster/collector-f2", headers=desk.supervisor, json={"queue": "mid", "cases": "rebalance", "version": 0}
    )
    assert r.status_code == 200, r.text
    assert sorted((x["case_id"], x["collector"], x["status"]) for x in r.json()["rebalanced"]) == [
        (case_id, "collector-f1", "assigned") for case_id in sorted(held)
    ]
    [roster_event] = await _stream(desk, "roster")
    for case_id in held:
        view = await desk.case(case_id)
        assert view["assignee"] == "collector-f1" and view["queue"] == "front"
        last = view["timeline"][-1]
        assert last["type"] == "collections.case.assigned"
        assert last["data"]["reason"] == "roster: collector-f2 left the front queue (rebalance)"
        [stored] = [e for e in await _stream(desk, f"case-{case_id}") if e.type == "collections.case.assigned"][-1:]
        assert stored.causationid == roster_event.id
    roster = (await desk.client.get("/v1/roster", headers=desk.supervisor)).json()
    assert _member(roster, "collector-f1")["open_cases"] == 4 and _member(roster, "collector-f2")["open_cases"] == 0


async def test_a_move_on_a_stale_roster_version_or_to_an_unknown_queue_changes_nothing(desk, servicing):
    ok = await desk.client.put("/v1/roster/collector-m2", headers=desk.supervisor, json={"queue": "back"})
    assert ok.status_code == 200
    stale = await desk.client.put(
        "/v1/roster/collector-m1", headers=desk.supervisor, json={"queue": "back", "version": 0}
    )
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "roster_changed"
    unknown = await desk.client.put("/v1/roster/collector-m1", headers=desk.supervisor, json={"queue": "nowhere"})
    assert unknown.status_code == 409 and unknown.json()["error"]["code"] == "unknown_queue"
    bad = await desk.client.put(
        "/v1/roster/collector-m1", headers=desk.supervisor, json={"queue": "mid", "cases": "scatter"}
    )
    assert bad.status_code == 422
    assert len(await _stream(desk, "roster")) == 1


async def test_an_inactive_collector_gets_no_cases_by_routing_nor_by_hand(desk, servicing):
    r = await desk.client.put(
        "/v1/roster/collector-f1", headers=desk.supervisor, json={"queue": "front", "active": False}
    )
    assert r.status_code == 200 and _member(r.json(), "collector-f1")["active"] is False
    cases = await _open_cases(desk, servicing, ("U1", "U2"))
    assert {c["assignee"] for c in cases} == {"collector-f2"}
    refused = await desk.client.post(
        f"/v1/cases/{cases[0]['case_id']}/assign", headers=desk.supervisor, json={"collector": "collector-f1"}
    )
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "collector_inactive"


async def test_bulk_reassignment_gives_each_case_its_own_event_and_reports_each_refusal(desk, servicing):
    await servicing.reviewed("BK3", "collector-m1")
    await servicing.disbursed("BK3")
    await desk.handled(servicing.sent)
    cases = await _open_cases(desk, servicing, ("BK1", "BK2", "BK3", "BK4"))
    ids = [c["case_id"] for c in cases]
    await servicing.paid_off("BK4", cases[3]["opened_on"])
    await desk.case_of("BK4", status="closed")
    r = await desk.client.post(
        "/v1/cases/assign",
        headers=desk.supervisor,
        json={"case_ids": [*ids, "nope-E1"], "collector": "collector-m1", "reason": "mid team takes them"},
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["assigned"], body["unchanged"], body["refused"]) == (2, 0, 3)
    assert [(x["case_id"], x["status"], x["rule"]) for x in body["results"]] == [
        (ids[0], "assigned", None),
        (ids[1], "assigned", None),
        (ids[2], "refused", "segregation_of_duties"),
        (ids[3], "refused", "case_closed"),
        ("nope-E1", "refused", "not_found"),
    ]
    for case_id in ids[:2]:
        view = await desk.case(case_id)
        assert view["assignee"] == "collector-m1"
        assert [t for t in view["timeline"] if t["type"] == "collections.case.assigned"][-1]["data"] == {
            "case_id": case_id,
            "loan_id": view["loan_id"],
            "collector": "collector-m1",
            "queue": "front",
            "assigned_by": "chen",
            "reason": "mid team takes them",
        }
    assert (await desk.case(ids[2]))["assignee"] != "collector-m1"
    before = len(await _stream(desk, f"case-{ids[0]}"))
    again = await desk.client.post(
        "/v1/cases/assign", headers=desk.supervisor, json={"case_ids": ids[:2], "collector": "collector-m1"}
    )
    assert (again.json()["assigned"], again.json()["unchanged"]) == (0, 2)
    assert len(await _stream(desk, f"case-{ids[0]}")) == before


async def test_bulk_reassignment_input_is_checked_before_anything_changes(desk, servicing):
    [case] = await _open_cases(desk, servicing, ("BV1",))
    for body in (
        {"case_ids": [], "collector": "collector-m1"},
        {"case_ids": [case["case_id"], case["case_id"]], "collector": "collector-m1"},
        {"case_ids": [case["case_id"]]},
    ):
        r = await desk.client.post("/v1/cases/assign", headers=desk.supervisor, json=body)
        assert r.status_code == 422, body
    unknown_queue = await desk.client.post(
        "/v1/cases/assign",
        headers=desk.supervisor,
        json={"case_ids": [case["case_id"]], "collector": "collector-m1", "queue": "nowhere"},
    )
    assert unknown_queue.json()["results"][0]["rule"] == "unknown_queue"
    assert (await desk.case(case["case_id"]))["assignee"] == case["assignee"]
    collector = await desk.client.post(
        "/v1/cases/assign",
        headers=desk.as_("collector-f1", "collector"),
        json={"case_ids": [case["case_id"]], "collector": "collector-f1"},
    )
    assert collector.status_code == 403


# ---- reassignment by age ------------------------------------------------------------------------------------------


def _state(**kw: Any) -> Any:
    from services.collections.domain.state import CaseState

    base = dict(case_id="C", loan_id="L", episode=1, episode_key=date(2026, 4, 20), overdue_since=date(2026, 4, 20),
                opened_on=date(2026, 4, 21), statute_runs_from=date(2026, 4, 20), assignee="f1")
    return CaseState(**{**base, **kw})


def test_a_case_is_idle_from_its_last_contact_its_latest_assignment_or_its_opening():
    assert idle_since(_state()) == date(2026, 4, 21)
    assert idle_since(_state(last_contact_on=date(2026, 4, 25), assigned_on=date(2026, 4, 23))) == date(2026, 4, 25)
    assert idle_since(_state(last_contact_on=date(2026, 4, 22), assigned_on=date(2026, 4, 26))) == date(2026, 4, 26)
    assert idle_for(_state(), date(2026, 4, 23), 3) is None
    assert idle_for(_state(), date(2026, 4, 24), 3) == 3
    assert idle_for(_state(assignee=None), date(2026, 5, 24), 3) is None  # nobody to take it from
    assert idle_for(_state(status="closed"), date(2026, 5, 24), 3) is None


def test_agency_and_legal_cases_are_worked_elsewhere_and_never_rebalanced_by_age_until_they_come_back():
    """DOMAIN.md §3: legal (法务) and agencies are channels of their own; no collector contact is not neglect."""
    from services.collections.domain.legal import LegalAction
    from services.collections.domain.placements import Placement

    late = date(2026, 6, 1)  # 41 days without a contact
    placement = dict(placement_id="C-P1", agency="华信资产", fee_rate=Decimal("0.25"), placed_on=date(2026, 4, 22),
                     recall_on=date(2026, 7, 1), placed_balance=Decimal("1066.19"), placed_by="chen")
    placed = _state(queue="agency", assignee="agency-desk", placements=[Placement(**placement)])
    assert (idle_for(placed, late, 3), kept_from_rebalance(placed)) == (None, "the agency queue keeps its cases")
    # a supervisor moved it back to a stage queue while the agency still holds it: the placement decides
    moved_back = _state(queue="front", placements=[Placement(**placement)])
    assert (idle_for(moved_back, late, 3), kept_from_rebalance(moved_back)) == (None, "placed with an agency")
    recalled = _state(queue="front", placements=[Placement(**placement, status="recalled")])
    assert idle_for(recalled, late, 3) == 41  # back from the agency: the collectors' rule again

    referral = LegalAction(action_id="C-A1", kind="referral", on=date(2026, 4, 22), recorded_by="wu")
    filing = LegalAction(action_id="C-A2", kind="filing", on=date(2026, 4, 25), recorded_by="wu",
                         court="徐汇区人民法院")
    for actions in ([referral], [referral, filing]):
        with_legal = _state(queue="front", legal_referred=True, legal_actions=actions)
        assert (idle_for(with_legal, late, 3), kept_from_rebalance(with_legal)) == (None, "with legal")
    closed = LegalAction(action_id="C-A3", kind="closed", on=date(2026, 5, 1), recorded_by="wu", outcome="withdrawn")
    done = _state(queue="front", legal_referred=True, legal_actions=[referral, filing, closed])
    assert kept_from_rebalance(done) is None and idle_for(done, late, 3) == 41  # proceedings closed
    police = LegalAction(action_id="C-A1", kind="referral", on=date(2026, 4, 22), recorded_by="policy",
                         reference="police")  # the fraud desk's path, not court proceedings
    assert kept_from_rebalance(_state(queue="fraud", legal_actions=[police])) == "the fraud queue keeps its cases"


@pytest.fixture
async def aging_desk(platform, _drop_platform_dbs):
    from loanflow.testing import running
    from services.collections.bootstrap import create_app
    from services.collections.config import CollectionsSettings
    from shared.clock import FixedClock
    from tests.collections.conftest import MORNING, Desk, desk_streams_fold_to_rows

    clock = FixedClock(MORNING)
    app = create_app(CollectionsSettings(reassign_after_days=3), platform, clock)
    async with running(app) as client:
        yield Desk(app, client, clock, platform)
        await desk_streams_fold_to_rows(app)


async def _close(desk: Any, servicing: Any, day: date) -> None:
    event = servicing.day_closed_event(day)
    await servicing.send("servicing", "business-date", event)
    await desk.handled({event.id})


def _assignments(view: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [(t["businessdate"], t["data"]["collector"], t["data"]["assigned_by"]) for t in view["timeline"]
            if t["type"] == "collections.case.assigned"]


async def test_a_case_not_worked_for_n_days_moves_to_a_collector_who_never_held_it(aging_desk, servicing):
    desk = aging_desk
    idle, worked = await _open_cases(desk, servicing, ("AG1", "AG2"))
    assert (idle["assignee"], worked["assignee"]) == ("collector-f1", "collector-f2")  # opened 21 April
    await _close(desk, servicing, date(2026, 4, 23))
    logged = await desk.client.post(f"/v1/cases/{worked['case_id']}/contacts",
                                    headers=desk.as_("collector-f2", "collector"),
                                    json={"channel": "phone", "outcome": "right_party_contact"})
    assert logged.status_code == 201, logged.text  # worked on 23 April

    await _close(desk, servicing, date(2026, 4, 24))  # AG1: 3 days without contact
    view = await desk.case(idle["case_id"])
    assert _assignments(view) == [("2026-04-21", "collector-f1", "routing"), ("2026-04-24", "collector-f2", "system")]
    assert view["timeline"][-1]["data"]["reason"] == (
        "not worked for 3 days (no contact since 2026-04-21): rebalanced from collector-f1")
    assert (await desk.case(worked["case_id"]))["assignee"] == "collector-f2"

    await _close(desk, servicing, date(2026, 4, 25))  # AG1 counts from its reassignment: nothing moves
    await _close(desk, servicing, date(2026, 4, 27))
    # AG1: 3 days with collector-f2, but the queue's only other collector already held it: it stays
    assert _assignments(await desk.case(idle["case_id"]))[-1] == ("2026-04-24", "collector-f2", "system")
    moved = await desk.case(worked["case_id"])  # AG2: last contact 23 April, 4 days: to collector-f1
    assert _assignments(moved)[-1] == ("2026-04-27", "collector-f1", "system")
    assert moved["timeline"][-1]["data"]["reason"].startswith("not worked for 4 days (no contact since 2026-04-23)")

    from services.collections.service_layer.roster import rebalance_idle

    ctx = desk.app.state.collections
    async with desk.app.state.kernel.db.acquire() as conn, conn.transaction():  # the same day again: idempotent
        assert await rebalance_idle(ctx, conn, date(2026, 4, 27), servicing.day_closed_event(date(2026, 4, 27))) == 0
    roster = (await desk.client.get("/v1/roster", headers=desk.supervisor)).json()
    assert (_member(roster, "collector-f1")["open_cases"], _member(roster, "collector-f2")["open_cases"]) == (1, 1)


async def test_without_the_setting_idle_cases_stay(desk, servicing):
    [case] = await _open_cases(desk, servicing, ("AG9",))
    await _close(desk, servicing, date(2026, 5, 10))  # 19 days without contact, still front-end
    assert _assignments(await desk.case(case["case_id"])) == [("2026-04-21", "collector-f1", "routing")]


async def test_the_migration_gives_cases_recorded_before_it_their_assignment_history(desk, servicing):
    """Rows written before cases kept `assigned_on` / `holders` get them from their streams (replay still equal:
    the fixture folds every stream after the test)."""
    import importlib

    migration = importlib.import_module(
        "services.collections.migrations.versions.20261207_0011_collections_case_holders")
    [case] = await _open_cases(desk, servicing, ("MG1",))
    await desk.client.post(f"/v1/cases/{case['case_id']}/assign", headers=desk.supervisor,
                           json={"collector": "collector-m1"})
    async with desk.app.state.kernel.db.acquire() as conn:
        await conn.execute(migration.DOWN)
        assert await conn.fetchval("SELECT state ? 'holders' FROM cases") is False
        await conn.execute(migration.UP)
        state = await conn.fetchval("SELECT state FROM cases")
    assert (state["assigned_on"], state["holders"]) == ("2026-04-21", ["collector-f1", "collector-m1"])


async def test_placed_and_legal_cases_stay_with_their_holders_however_long_without_a_contact(aging_desk, servicing):
    """Opened 21 April: one placed with an agency (the agency queue); one placed and then put back in the front
    queue to its collector by a supervisor while the agency still holds it; one referred to legal and likewise
    put back in the front queue (the court's steps are its work); one ordinary. At the day-close of 30 April
    (9 days without a contact) only the ordinary one is rebalanced, though the front queue's other collector
    never held the others."""
    desk = aging_desk
    placed, placed_front, legal_front, ordinary = await _open_cases(desk, servicing, ("AG3", "AG4", "AG5", "AG6"))
    terms = {"agency": "华信资产", "fee_rate": "0.25", "recall_on": "2026-06-30"}
    for case in (placed, placed_front):
        r = await desk.client.post(f"/v1/cases/{case['case_id']}/placements", json=terms, headers=desk.supervisor)
        assert r.status_code == 201, r.text
    r = await desk.client.post(f"/v1/cases/{legal_front['case_id']}/legal-actions", headers=desk.as_("wu", "legal"),
                               json={"kind": "referral", "on": "2026-04-21"})
    assert r.status_code == 201, r.text
    for case in (placed_front, legal_front):
        r = await desk.client.post(f"/v1/cases/{case['case_id']}/assign", headers=desk.supervisor,
                                   json={"collector": case["assignee"], "queue": "front"})
        assert r.status_code == 200, r.text
    views = {c["loan_id"]: await desk.case(c["case_id"]) for c in (placed, placed_front, legal_front)}
    assert [views[k]["queue"] for k in ("AG3", "AG4", "AG5")] == ["agency", "front", "front"]
    assert views["AG4"]["placements"][0]["status"] == "active" and views["AG5"]["legal"]["in_legal"] is True
    before = {k: _assignments(v) for k, v in views.items()}

    await _close(desk, servicing, date(2026, 4, 30))
    for case in (placed, placed_front, legal_front):
        assert _assignments(await desk.case(case["case_id"])) == before[case["loan_id"]], case["loan_id"]
    last = _assignments(await desk.case(ordinary["case_id"]))[-1]
    assert last[2] == "system" and last[1] != ordinary["assignee"]  # the rule is on: the ordinary case moved
