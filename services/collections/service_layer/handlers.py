"""Command handlers: one per command; each runs in a unit of work and answers the case view.

Every handler loads the case row-locked, checks the caller may act on it (its collector, or
a supervisor / legal), lets the case decide, and saves: the policy, routing, events (with
their outbox rows) and the case row commit together (`Collections.save`).
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from services.collections.adapters import arrangements as arrangement_rows
from services.collections.adapters import cases as case_rows
from services.collections.adapters import complaints as complaint_rows
from services.collections.adapters import contacts as contact_rows
from services.collections.adapters import directory
from services.collections.adapters import qa as qa_rows
from services.collections.adapters import roster as roster_rows
from services.collections.domain import commands as c
from services.collections.domain.assignment import check_segregation
from services.collections.domain.case import Case
from services.collections.domain.contact_points import masked
from services.collections.domain.errors import CaseRuleViolation
from services.collections.domain.roster import Roster
from services.collections.domain.staging import next_stage
from services.collections.service_layer.context import Collections
from services.collections.service_layer.views import case_view, complaint_view, contact_points
from shared import access_audit
from shared.errors import Forbidden, NotFound
from shared.idempotency import IdempotencyKey
from shared.messagebus import Handler
from shared.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class Today:
    """What a decision may need beyond the case: the business date, the unit of work's tables."""

    business_date: date
    uow: UnitOfWork


Decide = Callable[[Case, Today], Awaitable[None] | None]
Answer = Callable[[Case], c.CaseView]


def new_id(prefix: str) -> str:
    """A new id for a promise, contact or dispute."""
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


async def _on_case(ctx: Collections, cmd: c.CaseCommand, decide: Decide, *, idempotency: IdempotencyKey | None = None,
                   action: str = "", answer: Answer | None = None, on_closed: bool = False,
                   any_holder: bool = False) -> c.CaseView:
    """Load, authorise, decide, save, answer (the case view, or `answer(case)`); with a key, at most once
    (one replay rule). `on_closed`: the command may act on a closed case (a complaint outlives the debt);
    `any_holder`: the route's roles suffice, whoever holds the case (an arrangement's approver)."""
    async with ctx.unit_of_work() as uow:
        async def act() -> c.CaseView:
            loaded = await case_rows.load(uow.conn, cmd.case_id, ctx.rules)
            if loaded is None:
                raise NotFound(f"no case {cmd.case_id}")
            case, version = loaded
            if not cmd.supervising and not any_holder and case.state.assignee != cmd.by:
                raise Forbidden(f"case {cmd.case_id} is assigned to {case.state.assignee or 'nobody'}, not to you",
                                code="not_assignee")
            if not on_closed:
                case.require_open()
            case.sealer = await ctx.sealer(uow.conn, case.state.loan_id)  # what it records of the borrower: sealed
            business_date = await ctx.business_date(uow.conn)
            pending = decide(case, Today(business_date, uow))
            if pending is not None:
                await pending
            await ctx.save(uow.conn, case, version, business_date, actor=cmd.by)
            if answer is not None:
                return await ctx.open(uow.conn, answer(case))
            return await case_view(ctx, uow.conn, case.state)

        return await uow.once(f"collections:{cmd.by}:/v1/cases/{cmd.case_id}/{action}", idempotency, act)


async def record_promise(cmd: c.RecordPromise, ctx: Collections) -> c.CaseView:
    def decide(case: Case, today: Today) -> None:
        case.actions.make_promise(promise_id=new_id("pr"), amount=cmd.amount, promised_date=cmd.promised_date,
                                  collector=cmd.by, business_date=today.business_date)
    return await _on_case(ctx, cmd, decide, idempotency=cmd.idempotency, action="promises")


async def log_contact(cmd: c.LogContact, ctx: Collections) -> c.CaseView:
    """Checked against the contact policy (the case's calls this week) and the third-party rule, on the
    case's contact points; a visit is never refused for count."""
    now, local_now = ctx.clock.now(), ctx.local_now()
    month, contact_id = f"{local_now:%Y-%m}", new_id("ct")

    async def decide(case: Case, today: Today) -> None:
        conn = today.uow.conn
        calls = await contact_rows.recent_calls(conn, cmd.case_id, now - timedelta(days=7))
        case.reach.log_contact(contact_id=contact_id, channel=cmd.channel, outcome=cmd.outcome, collector=cmd.by,
                               at=now, local_now=local_now, business_date=today.business_date, note=cmd.note,
                               target=cmd.target, reason=cmd.reason, policy=ctx.contact_policy,
                               recent_calls=[t.astimezone(ctx.timezone) for t in calls],
                               points=await contact_points(conn, case.state, ctx.ring), recording=cmd.recording,
                               follow_up_on=cmd.follow_up_on)
        await contact_rows.record(conn, contact_id=contact_id, case_id=cmd.case_id, channel=cmd.channel,
                                  outcome=cmd.outcome, collector=cmd.by, target=cmd.target, at=now, local_month=month)
        if cmd.recording is not None:  # what the weekly QA sample draws from
            await qa_rows.record_recording(conn, contact_id=contact_id, case_id=cmd.case_id,
                                           loan_id=case.state.loan_id, collector=cmd.by, channel=cmd.channel,
                                           outcome=cmd.outcome, at=now, business_date=today.business_date,
                                           recording=cmd.recording)
    return await _on_case(ctx, cmd, decide, idempotency=cmd.idempotency, action="contacts")


def _point_answer(point_id: str) -> Answer:
    """The point as the case now holds it (an origination point's value comes from the directory: masked here)."""
    def answer(case: Case) -> dict[str, Any]:
        point = next(p for p in case.state.contact_points if p.point_id == point_id)
        return {"case_id": case.state.case_id, **masked(point).model_dump(mode="json")}
    return answer


async def add_contact_point(cmd: c.AddContactPoint, ctx: Collections) -> c.CaseView:
    """A trace finding on the case; answers the new point (value masked)."""
    point_id = new_id("cp")

    async def decide(case: Case, today: Today) -> None:
        case.reach.add_point(point_id=point_id, kind=cmd.kind, value=cmd.value, relation=cmd.relation,
                             source=cmd.source, by=cmd.by,
                             points=await contact_points(today.uow.conn, case.state, ctx.ring))
    return await _on_case(ctx, cmd, decide, idempotency=cmd.idempotency, action="contact-points",
                          answer=_point_answer(point_id))


async def mark_contact_point(cmd: c.MarkContactPoint, ctx: Collections) -> c.CaseView:
    """Mark any of the case's points (origination's or a finding) valid or invalid; answers the point."""
    marked: dict[str, Any] = {}

    async def decide(case: Case, today: Today) -> None:
        point = case.reach.mark_point(cmd.point_id, cmd.status, by=cmd.by, reason=cmd.reason,
                                      points=await contact_points(today.uow.conn, case.state, ctx.ring))
        marked.update(case_id=case.state.case_id, **masked(point).model_dump(mode="json"))
    return await _on_case(ctx, cmd, decide, answer=lambda _: marked)


def _complaint_answer(complaint_id: str) -> Answer:
    def answer(case: Case) -> dict[str, Any]:
        return complaint_view(case.state, next(x for x in case.state.complaints if x.complaint_id == complaint_id))
    return answer


async def open_complaint(cmd: c.OpenComplaint, ctx: Collections) -> c.CaseView:
    """A complaint of the case, due after the configured days; answers the complaint. Collection goes on."""
    complaint_id = new_id("cmp")

    async def decide(case: Case, today: Today) -> None:
        complaint = case.complaint_desk.open(
            complaint_id=complaint_id, category=cmd.category, description=cmd.description,  # type: ignore[arg-type]
            owner=cmd.owner, by=cmd.by, business_date=today.business_date, due_days=ctx.complaint_due_days)
        await complaint_rows.save(today.uow.conn, case.state.case_id, case.state.loan_id, complaint)
    return await _on_case(ctx, cmd, decide, idempotency=cmd.idempotency, action="complaints",
                          answer=_complaint_answer(complaint_id))


async def resolve_complaint(cmd: c.ResolveComplaint, ctx: Collections) -> c.CaseView:
    """Found by its id; resolved on its case (open or closed)."""
    async with ctx.unit_of_work() as uow:
        case_id = await complaint_rows.case_of(uow.conn, cmd.complaint_id)
    if case_id is None:
        raise NotFound(f"no complaint {cmd.complaint_id}")

    async def decide(case: Case, today: Today) -> None:
        complaint = case.complaint_desk.resolve(complaint_id=cmd.complaint_id, resolution=cmd.resolution,
                                                by=cmd.by, business_date=today.business_date)
        await complaint_rows.save(today.uow.conn, case.state.case_id, case.state.loan_id, complaint)
    return await _on_case(ctx, c.CaseCommand(case_id, cmd.by, cmd.roles), decide,
                          answer=_complaint_answer(cmd.complaint_id), on_closed=True)


def _arrangement_answer(arrangement_id: str) -> Answer:
    def answer(case: Case) -> dict[str, Any]:
        a = case.arrangements.get(arrangement_id)
        return {"case_id": case.state.case_id, "loan_id": case.state.loan_id, **a.model_dump(mode="json")}
    return answer


async def propose_arrangement(cmd: c.ProposeArrangement, ctx: Collections) -> c.CaseView:
    """Issue 15: an instalment plan or settlement over the amount owed; answers the arrangement (its status
    `approved` when within the proposer's own limit, else `pending_approval`)."""
    arrangement_id = new_id("arr")

    def decide(case: Case, today: Today) -> None:
        case.arrangements.propose(arrangement_id=arrangement_id, kind=cmd.kind,  # type: ignore[arg-type]
                                  instalments=list(cmd.instalments), waive=cmd.waive, by=cmd.by, roles=cmd.roles,
                                  business_date=today.business_date, limits=ctx.arrangement_limits)
    return await _on_case(ctx, cmd, decide, idempotency=cmd.idempotency, action="arrangements",
                          answer=_arrangement_answer(arrangement_id))


async def decide_arrangement(cmd: c.DecideArrangement, ctx: Collections) -> c.CaseView:
    """Approve (a second person whose limit covers the waiver; never the proposer) or reject; found by its id."""
    async with ctx.unit_of_work() as uow:
        case_id = await arrangement_rows.case_of(uow.conn, cmd.arrangement_id)
    if case_id is None:
        raise NotFound(f"no arrangement {cmd.arrangement_id}")

    def decide(case: Case, today: Today) -> None:
        if cmd.approve:
            case.arrangements.approve(cmd.arrangement_id, by=cmd.by, roles=cmd.roles,
                                      business_date=today.business_date, limits=ctx.arrangement_limits)
        else:
            case.arrangements.reject(cmd.arrangement_id, by=cmd.by, reason=cmd.reason or "rejected",
                                     business_date=today.business_date)
    return await _on_case(ctx, c.CaseCommand(case_id, cmd.by, cmd.roles), decide,
                          answer=_arrangement_answer(cmd.arrangement_id), any_holder=True)


REVEALERS = frozenset({"collections_supervisor", "legal"})


async def reveal_case(cmd: c.RevealCase, ctx: Collections) -> c.CaseView:
    """Issue 16: revealing personal data is an explicit act with a reason, allowed to the case's assignee, a
    supervisor or legal, recorded (who, when, case, reason) in the read's own transaction: nothing is shown
    unrecorded, and a refused or unknown case records nothing."""
    async with ctx.unit_of_work() as uow:
        state = await case_rows.state_of(uow.conn, cmd.case_id)
        if state is None:
            raise NotFound(f"no case {cmd.case_id}")
        if state.assignee != cmd.by and not cmd.roles & REVEALERS:
            raise Forbidden("personal data on a case is revealed to its collector, a supervisor or legal",
                            code="reveal_not_permitted")
        await access_audit.record(uow.conn, cmd.by, "case", cmd.case_id, cmd.reason, roles=cmd.roles)
        return await case_view(ctx, uow.conn, state, timeline=True, reveal=True)


async def assign_case(cmd: c.AssignCase, ctx: Collections) -> c.CaseView:
    """Only to a queue on the roster, never to someone who originated the loan nor to an inactive collector."""
    return await reassign(cmd, ctx)


async def reassign(cmd: c.AssignCase, ctx: Collections, *, changed: list[bool] | None = None) -> c.CaseView:
    """`assign_case`; with `changed`, a case already with that collector (and queue) records nothing, and
    `changed` gets whether it was reassigned (the bulk reassignment's rule)."""
    if cmd.queue is not None and cmd.queue not in ctx.roster:
        raise CaseRuleViolation("unknown_queue", f"queue must be one of {sorted(ctx.roster)}")

    async def decide(case: Case, today: Today) -> None:
        conn = today.uow.conn
        if changed is not None and case.state.assignee == cmd.collector and cmd.queue in (None, case.state.queue):
            changed.append(False)
            return
        loan_id = case.state.loan_id
        check_segregation(cmd.collector, (await directory.originators(conn, [loan_id]))[loan_id])
        if not Roster(ctx.roster, await roster_rows.moves(conn)).is_active(cmd.collector):
            raise CaseRuleViolation("collector_inactive", f"{cmd.collector} is inactive on the roster",
                                    collector=cmd.collector)
        case.assign(cmd.collector, by=cmd.by, reason=cmd.reason or "reassigned by supervisor", queue=cmd.queue,
                    on=today.business_date)
        if changed is not None:
            changed.append(True)
    return await _on_case(ctx, cmd, decide)


async def escalate_case(cmd: c.EscalateCase, ctx: Collections) -> c.CaseView:
    return await _on_case(ctx, cmd, lambda case, _: case.escalate(cmd.to_stage or next_stage(case.state.stage),
                                                                       reason=cmd.reason))


async def tag_behaviour(cmd: c.TagBehaviour, ctx: Collections) -> c.CaseView:
    """Tagging twice with the same behaviour changes nothing."""
    def decide(case: Case, _: Today) -> None:
        case.actions.tag(cmd.behaviour, by=cmd.by, reason=cmd.reason)
    return await _on_case(ctx, cmd, decide)


async def open_dispute(cmd: c.OpenDispute, ctx: Collections) -> c.CaseView:
    return await _on_case(ctx, cmd, lambda case, _: case.actions.open_dispute(
        dispute_id=new_id("dsp"), reason=cmd.reason, by=cmd.by))


async def resolve_dispute(cmd: c.ResolveDispute, ctx: Collections) -> c.CaseView:
    return await _on_case(ctx, cmd, lambda case, _: case.actions.resolve_dispute(resolution=cmd.resolution,
                                                                                     by=cmd.by))


async def report_fraud(cmd: c.ReportFraud, ctx: Collections) -> c.CaseView:
    return await _on_case(ctx, cmd, lambda case, _: case.actions.report_fraud(by=cmd.by, note=cmd.note))


async def report_deceased(cmd: c.ReportDeceased, ctx: Collections) -> c.CaseView:
    return await _on_case(ctx, cmd, lambda case, _: case.actions.report_deceased(by=cmd.by, note=cmd.note))


async def verify_deceased(cmd: c.VerifyDeceased, ctx: Collections) -> c.CaseView:
    return await _on_case(ctx, cmd, lambda case, _: case.actions.verify_deceased(
        confirmed=cmd.confirmed, by=cmd.by, evidence=cmd.evidence))


async def choose_deceased_path(cmd: c.ChooseDeceasedPath, ctx: Collections) -> c.CaseView:
    return await _on_case(ctx, cmd, lambda case, _: case.actions.choose_deceased_path(
        path=cmd.path, by=cmd.by, note=cmd.note))


async def start_skip_trace(cmd: c.StartSkipTrace, ctx: Collections) -> c.CaseView:
    return await _on_case(ctx, cmd, lambda case, _: case.actions.start_skip_trace(by=cmd.by, note=cmd.note))


async def restart_statute(cmd: c.RestartStatute, ctx: Collections) -> c.CaseView:
    return await _on_case(ctx, cmd, lambda case, today: case.restart_statute(
        kind=cmd.kind, on=cmd.on, by=cmd.by, evidence=cmd.evidence, business_date=today.business_date))


async def decide_write_off(cmd: c.DecideWriteOff, ctx: Collections) -> c.CaseView:
    return await _on_case(ctx, cmd, lambda case, _: case.actions.decide_write_off(by=cmd.by, reason=cmd.reason))


async def send_letter(cmd: c.SendLetter, ctx: Collections) -> c.CaseView:
    """Answers `{letter_id, tracking_number}` of the letter sent (the case's last)."""
    async def decide(case: Case, today: Today) -> None:
        case.letters.send(template=cmd.template, registered=cmd.registered, by=cmd.by,
                          business_date=today.business_date, tracking_number=cmd.tracking_number,
                          address_point_id=cmd.address_point_id,
                          points=await contact_points(today.uow.conn, case.state, ctx.ring))

    def sent(case: Case) -> c.CaseView:
        letter = case.state.letters[-1]
        return {"letter_id": letter.letter_id, "tracking_number": letter.tracking_number}
    return await _on_case(ctx, cmd, decide, idempotency=cmd.idempotency, action="letters", answer=sent)


async def return_letter(cmd: c.ReturnLetter, ctx: Collections) -> c.CaseView:
    """The letter's address point is marked invalid (`collections.contact_point.status_changed`)."""
    async def decide(case: Case, today: Today) -> None:
        case.letters.returned(cmd.letter_id, reason=cmd.reason, by=cmd.by, business_date=today.business_date,
                              points=await contact_points(today.uow.conn, case.state, ctx.ring))
    return await _on_case(ctx, cmd, decide)


async def record_letter_delivery(cmd: c.RecordLetterDelivery, ctx: Collections) -> c.CaseView:
    return await _on_case(ctx, cmd, lambda case, today: case.letters.delivered(
        cmd.letter_id, on=cmd.on, by=cmd.by, business_date=today.business_date))


async def place_with_agency(cmd: c.PlaceWithAgency, ctx: Collections) -> c.CaseView:
    """Answers `{placement_id}` of the placement made (the case moves to the agency queue)."""
    def decide(case: Case, today: Today) -> None:
        case.placements.place(agency=cmd.agency, fee_rate=cmd.fee_rate, recall_on=cmd.recall_on, by=cmd.by,
                              business_date=today.business_date)

    def placed(case: Case) -> c.CaseView:
        return {"placement_id": case.state.placements[-1].placement_id}
    return await _on_case(ctx, cmd, decide, idempotency=cmd.idempotency, action="placements", answer=placed)


async def recall_placement(cmd: c.RecallPlacement, ctx: Collections) -> c.CaseView:
    """The case comes back to its stage queue (and a collector of it)."""
    def decide(case: Case, today: Today) -> None:
        case.placements.recall(cmd.placement_id, by=cmd.by, business_date=today.business_date)
    return await _on_case(ctx, cmd, decide)


async def record_legal_action(cmd: c.RecordLegalAction, ctx: Collections) -> c.CaseView:
    """A step of the proceedings; closing them may follow the case's own close (a pay-off ends the suit)."""
    def decide(case: Case, today: Today) -> None:
        case.legal.record(kind=cmd.kind, on=cmd.on, by=cmd.by, business_date=today.business_date,
                          reference=cmd.reference, court=cmd.court, cost=cmd.cost, amount=cmd.amount,
                          outcome=cmd.outcome, route=cmd.route, note=cmd.note)
    return await _on_case(ctx, cmd, decide, idempotency=cmd.idempotency, action="legal-actions", on_closed=True)


COMMAND_HANDLERS: dict[type[Any], Handler[Collections]] = {
    c.RecordPromise: record_promise,
    c.LogContact: log_contact,
    c.AddContactPoint: add_contact_point,
    c.MarkContactPoint: mark_contact_point,
    c.OpenComplaint: open_complaint,
    c.ResolveComplaint: resolve_complaint,
    c.RevealCase: reveal_case,
    c.ProposeArrangement: propose_arrangement,
    c.DecideArrangement: decide_arrangement,
    c.AssignCase: assign_case,
    c.EscalateCase: escalate_case,
    c.TagBehaviour: tag_behaviour,
    c.OpenDispute: open_dispute,
    c.ResolveDispute: resolve_dispute,
    c.ReportFraud: report_fraud,
    c.ReportDeceased: report_deceased,
    c.VerifyDeceased: verify_deceased,
    c.ChooseDeceasedPath: choose_deceased_path,
    c.StartSkipTrace: start_skip_trace,
    c.RestartStatute: restart_statute,
    c.DecideWriteOff: decide_write_off,
    c.SendLetter: send_letter,
    c.ReturnLetter: return_letter,
    c.RecordLetterDelivery: record_letter_delivery,
    c.PlaceWithAgency: place_with_agency,
    c.RecallPlacement: recall_placement,
    c.RecordLegalAction: record_legal_action,
}
