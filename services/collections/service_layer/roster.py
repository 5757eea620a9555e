"""The roster and bulk reassignment: who works which queue, and giving many cases to one collector.

A move is an event of the `roster` stream (collections.roster.changed) and the `roster_moves`
row, written in one transaction with the reassignments its rule makes: each rebalanced case gets
its own collections.case.assigned (caused by the roster event), appended at the case's loaded
version. Bulk reassignment runs each case as `POST /cases/{id}/assign` does, in its own
transaction: the answer lists each case's result (assigned, unchanged, or refused with the rule),
so one refused case never holds back the others.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import asyncpg

from services.collections.adapters import cases as case_rows
from services.collections.adapters import directory
from services.collections.adapters import roster as roster_rows
from services.collections.domain import commands as c
from services.collections.domain import roster as rules
from services.collections.domain.assignment import pick_collector
from services.collections.domain.case import Case
from services.collections.domain.errors import CaseRuleViolation
from services.collections.service_layer.context import SOURCE, Collections
from services.collections.service_layer.handlers import reassign
from shared.contracts import CloudEvent, make_event
from shared.errors import ConcurrencyConflict, DomainError
from shared.messagebus import Handler


async def roster_view(ctx: Collections, conn: asyncpg.Connection) -> dict[str, Any]:
    """Every collector on every queue with stage, activity and open cases (in that queue and in all)."""
    roster = rules.Roster(ctx.roster, await roster_rows.moves(conn))
    counts = await roster_rows.open_cases(conn)
    totals: dict[str, int] = {}
    for (who, _), n in counts.items():
        totals[who] = totals.get(who, 0) + n
    items = [
        {
            "collector": m.collector,
            "queue": m.queue,
            "stage": m.stage,
            "active": m.active,
            "open_cases": counts.get((m.collector, m.queue), 0),
            "open_cases_total": totals.get(m.collector, 0),
        }
        for m in roster.members()
    ]
    return {
        "version": await ctx.store.version(conn, roster_rows.STREAM),
        "queues": roster.queues,
        "cases_rule": ctx.roster_cases,
        "items": items,
    }


async def move_collector(cmd: c.MoveCollector, ctx: Collections) -> dict[str, Any]:
    """Record the move; with `rebalance`, hand the collector's open cases of each queue left to that queue's
    other active collectors (least loaded, never an originator; none eligible: the case stays)."""
    cases_rule = cmd.cases or ctx.roster_cases
    if cases_rule not in ("stay", "rebalance"):
        raise CaseRuleViolation("unknown_cases_rule", "cases must be stay or rebalance")
    async with ctx.unit_of_work() as uow:
        conn = uow.conn
        await roster_rows.lock(conn)
        version = await ctx.store.version(conn, roster_rows.STREAM)
        if cmd.version is not None and cmd.version != version:
            raise CaseRuleViolation(
                "roster_changed",
                f"the roster is at version {version}, not {cmd.version}: reload it and try again",
                version=version,
            )
        moves = await roster_rows.moves(conn)
        event = rules.Roster(ctx.roster, moves).move(
            cmd.collector, queue=cmd.queue, active=cmd.active, cases=cases_rule, by=cmd.by, reason=cmd.reason
        )  # type: ignore[arg-type]
        moved: list[dict[str, Any]] = []
        if event is not None:
            business_date = await ctx.business_date(conn)
            [stamped] = await ctx.store.append(
                conn,
                roster_rows.STREAM,
                [make_event(SOURCE, event, subject=roster_rows.STREAM, businessdate=business_date)],
                expected_version=version,
            )
            await roster_rows.save_move(conn, rules.Move(cmd.collector, cmd.queue, cmd.active), cmd.by)
            if cases_rule == "rebalance":
                after = rules.Roster(ctx.roster, rules.apply(moves, event))
                moved = await _rebalance(ctx, conn, event, after, stamped, business_date)
        view = await roster_view(ctx, conn)
        return {**view, "changed": event is not None, "rebalanced": moved}


async def _rebalance(
    ctx: Collections, conn: asyncpg.Connection, event: Any, after: rules.Roster, cause: Any, business_date: Any
) -> list[dict[str, Any]]:
    leaving, queues = event.collector, rules.left_queues(event)
    held = await roster_rows.cases_held(conn, leaving, queues)
    if not held:
        return []
    loaded = await case_rows.load_many(conn, [h["case_id"] for h in held], ctx.rules)  # row-locked
    mine = [
        (case, version)
        for case, version in loaded
        if case.is_open and case.state.assignee == leaving and case.state.queue in queues
    ]  # re-read under lock
    active = after.active_by_queue()
    load = await case_rows.caseloads(conn, sorted({x for q in active.values() for x in q}))
    excluded = await directory.originators(conn, sorted({case.state.loan_id for case, _ in mine}))
    changed: list[tuple[Case, int]] = []
    moved: list[dict[str, Any]] = []
    for queue in queues:
        of_queue = [(case, version) for case, version in mine if case.state.queue == queue]
        plan = rules.rebalance(
            [(case.state.case_id, case.state.loan_id) for case, _ in of_queue], active[queue], load, excluded, leaving
        )
        for case, version in of_queue:
            to = plan[case.state.case_id]
            if to is None:
                moved.append(
                    {
                        "case_id": case.state.case_id,
                        "collector": leaving,
                        "status": "stayed",
                        "reason": f"no other eligible active collector on the {queue} queue",
                    }
                )
                continue
            load[to] = load.get(to, 0) + 1
            case.assign(
                to,
                by=event.changed_by,
                on=business_date,
                reason=f"roster: {leaving} left the {queue} queue (rebalance)",
            )
            changed.append((case, version))
            moved.append({"case_id": case.state.case_id, "collector": to, "status": "assigned", "reason": None})
    if changed:
        await ctx.save_many(conn, changed, business_date, cause=cause, actor=event.changed_by)
    return moved


async def assign_cases(cmd: c.AssignCases, ctx: Collections) -> dict[str, Any]:
    """Each case as `POST /cases/{id}/assign` (same rules, its own transaction and version); per-case results."""
    results: list[dict[str, Any]] = []
    for case_id in cmd.case_ids:
        changed: list[bool] = []
        one = c.AssignCase(case_id, cmd.by, cmd.roles, collector=cmd.collector, queue=cmd.queue, reason=cmd.reason)
        try:
            await reassign(one, ctx, changed=changed)
        except DomainError as exc:
            results.append({"case_id": case_id, "status": "refused", "rule": exc.code, "message": exc.message})
            continue
        except ConcurrencyConflict:
            results.append(
                {
                    "case_id": case_id,
                    "status": "refused",
                    "rule": "concurrent_change",
                    "message": "the case changed meanwhile; try again",
                }
            )
            continue
        results.append(
            {
                "case_id": case_id,
                "status": "assigned" if changed and changed[0] else "unchanged",
                "rule": None,
                "message": None,
            }
        )
    counts = {s: sum(1 for r in results if r["status"] == s) for s in ("assigned", "unchanged", "refused")}
    return {"collector": cmd.collector, **counts, "results": results}


ROSTER_HANDLERS: dict[type[Any], Handler[Collections]] = {
    c.MoveCollector: move_collector,
    c.AssignCases: assign_cases,
}


IDLE_QUEUES = ["front", "mid", "back"]  # the stage queues (legal, agency and the special desks keep their cases);
# a placed or legal case in a stage queue is kept too (domain/roster.kept_from_rebalance decides exactly)
IDLE_BATCH = 1000


async def rebalance_idle(ctx: Collections, conn: asyncpg.Connection, day: date, cause: CloudEvent) -> int:
    """Day-close of `day`: each case not worked for `reassign_after_days` goes to the least-loaded active collector
    of its queue who never held it and did not originate the loan (none such: it stays). Returns cases moved.

    Runs in the day-close's transaction after the day's own work; a case just moved counts from `day` again,
    so the same day-close run twice moves nothing more (the inbox already drops a redelivered one).
    """
    after = ctx.reassign_after_days
    if not after:
        return 0
    ids = await roster_rows.idle_candidates(conn, day, after, IDLE_QUEUES)
    if not ids:
        return 0
    active = rules.Roster(ctx.roster, await roster_rows.moves(conn)).active_by_queue()
    load = await case_rows.caseloads(conn, sorted({x for q in active.values() for x in q}))
    moved = 0
    for start in range(0, len(ids), IDLE_BATCH):
        loaded = await case_rows.load_many(conn, ids[start : start + IDLE_BATCH], ctx.rules)
        excluded = await directory.originators(conn, sorted({case.state.loan_id for case, _ in loaded}))
        changed: list[tuple[Case, int]] = []
        for case, version in loaded:
            s = case.state
            days = rules.idle_for(s, day, after)
            if days is None or s.assignee is None:
                continue
            to = pick_collector(active.get(s.queue, []), load, {s.assignee, *s.holders, *excluded[s.loan_id]})
            if to is None:
                continue
            since, before = rules.idle_since(s), s.assignee
            load[to] = load.get(to, 0) + 1
            load[before] = load.get(before, 0) - 1
            case.assign(
                to,
                by="system",
                on=day,
                reason=f"not worked for {days} days (no contact since {since}): rebalanced from {before}",
            )
            changed.append((case, version))
        if changed:
            await ctx.save_many(conn, changed, day, cause=cause)
            moved += len(changed)
    return moved
