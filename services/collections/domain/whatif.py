"""What-if replay of a candidate escalation policy over recorded case streams (issue 17). Pure, in memory.

Each case's recorded stream is replayed through the case aggregate. Its *facts* (opening,
contacts, promises, tags, special paths, escalations by DPD, resolutions: everything the
policy did not decide) are applied as recorded; the recorded decisions, and the events
they caused (a policy escalation, a write-off proposal, a letter the policy sent: those
naming a `rule_id`), are set aside, and the candidate decides instead, at the same moments,
with the triggers those facts raise. Outcomes are the recorded ones: how a borrower would
have answered a different treatment is not known, and the report says so.

A *moment* is a run of consecutive fact events of one business date and correlation id (one
transaction of the service: a command or a consumed event); the policy is evaluated once
after it, as the service does. Days past due on business date D are D − the first unpaid due
date (what day-close counts); the amount overdue is the opening amount (servicing's later
notices are not in the case stream). `day_closed` rules are evaluated on every calendar day
of an open case, before its moments of that day.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from services.collections.domain import history
from services.collections.domain.case import Case
from services.collections.domain.contact_points import all_points
from services.collections.domain.policy import Policy, evaluate
from services.collections.domain.policy_actions import MAX_ROUNDS
from services.collections.domain.state import CaseRules
from shared.contracts import collections as ev
from shared.contracts.registry import EventData

TRIGGERS: dict[type[EventData], str] = {
    ev.CaseOpened: "case_opened", ev.CaseEscalated: "stage_changed", ev.PromiseBroken: "promise_broken",
    ev.CaseTagged: "tagged", ev.SpecialStatusChanged: "special_status_changed", ev.DisputeResolved: "dispute_resolved",
}
NOTE = ("Outcomes are the recorded ones: payments, promises, contacts and resolutions happened as they did; "
        "the replay shows what the candidate policy would have decided at the same moments, not how borrowers "
        "would have answered.")


@dataclass(frozen=True)
class Recorded:
    """One recorded event of a case stream: its data (current version), business date and correlation id."""

    data: EventData
    businessdate: date
    correlationid: str | None = None


@dataclass(frozen=True)
class Decided:
    """A decision: which case, on which business date, which rule on which trigger, its actions."""

    case_id: str
    on: date
    rule_id: str
    trigger: str
    actions: tuple[tuple[tuple[str, Any], ...], ...]

    @classmethod
    def of(cls, e: ev.PolicyDecided, on: date) -> Decided:
        return cls(e.case_id, on, e.rule_id, e.trigger,
                   tuple(tuple(sorted([(k, v) for k, v in a.items() if type(v) not in _NESTED])) for a in e.actions))


_NESTED = (dict, list)


@dataclass
class Replay:
    """The candidate's decisions and the recorded ones over the cases replayed."""

    candidate: list[Decided] = field(default_factory=list)
    recorded: list[Decided] = field(default_factory=list)


def policy_made(data: EventData) -> bool:
    """Whether a recorded event is the policy's: a decision, or an event a decision caused (names its rule)."""
    kind = type(data)
    if kind is ev.PolicyDecided:
        return True
    names_rule = _NAMES_RULE.get(kind)
    if names_rule is None:
        names_rule = _NAMES_RULE[kind] = "rule_id" in kind.model_fields
    return names_rule and data.rule_id is not None  # type: ignore[attr-defined]


_NAMES_RULE: dict[type[EventData], bool] = {}


def moments(stream: list[Recorded]) -> list[list[Recorded]]:
    """The stream's fact events grouped by transaction (business date and correlation id, consecutive)."""
    groups: list[list[Recorded]] = []
    key: tuple[date, str | None] | None = None
    for r in stream:
        if policy_made(r.data):
            key = None  # a decision closes the transaction's facts
            continue
        if key != (r.businessdate, r.correlationid) or not groups:
            groups.append([])
        key = (r.businessdate, r.correlationid)
        groups[-1].append(r)
    return groups


def replay_case(stream: list[Recorded], candidate: Policy, rules: CaseRules, until: date, out: Replay,
                follow_record: bool = True, loans: Mapping[str, Mapping[str, Any]] | None = None) -> None:
    """Replay one case stream (opened first) under the candidate, adding to `out`.

    `follow_record`: first try to follow the record (`_follow`): where the candidate decides exactly
    what was recorded, at the same place, the recorded events are applied instead of deciding anew;
    a case where it decides otherwise anywhere is replayed from its opening by re-deciding
    (`_redecide`). Both give the same decisions (tested); following is several times cheaper.
    """
    recorded, followed = _record_of(stream, candidate, rules, until, follow_record)
    out.recorded += recorded
    if followed is not None:
        out.candidate += followed
    else:
        _redecide(stream, candidate, rules, until, out, loans)


def _record_of(stream: list[Recorded], candidate: Policy, rules: CaseRules, until: date,
               follow_record: bool) -> tuple[list[Decided], list[Decided] | None]:
    """The stream's recorded decisions, and the candidate's when it follows the record (None: to re-decide)."""
    opened = stream[0].data
    if not isinstance(opened, ev.CaseOpened):
        raise ValueError(f"a case stream starts with collections.case.opened, not {opened.event_type}")
    recorded = [Decided.of(r.data, r.businessdate) for r in stream if type(r.data) is ev.PolicyDecided]
    return recorded, _follow(stream, recorded, candidate, rules, until) if follow_record else None


@dataclass
class Followed:
    """A replay half done: every case that follows its record decided, the others waiting to be re-decided
    through the aggregate — which needs, for the letters it sends, the loan directory of just those cases
    (`loans_to_redecide`); `finish` re-decides them and keeps the period's decisions, in case order."""

    candidate: Policy
    rules: CaseRules
    until: date
    cases: list[tuple[list[Recorded], list[Decided], list[Decided] | None]]  # stream, recorded, followed

    @property
    def loans_to_redecide(self) -> list[str]:
        """The loans of the cases the candidate decides otherwise than recorded (in loan id order)."""
        return sorted({stream[0].data.loan_id for stream, _, followed in self.cases  # type: ignore[attr-defined]
                       if followed is None})

    def finish(self, start: date = date.min, loans: Mapping[str, Mapping[str, Any]] | None = None) -> Replay:
        """Re-decide the waiting cases (`loans`: the loan directory, see `replay`) and keep days `start`..`until`."""
        out = Replay()
        for stream, recorded, followed in self.cases:
            out.recorded += recorded
            if followed is not None:
                out.candidate += followed
            else:
                _redecide(stream, self.candidate, self.rules, self.until, out, loans)
        out.candidate = [d for d in out.candidate if start <= d.on <= self.until]
        out.recorded = [d for d in out.recorded if start <= d.on <= self.until]
        return out


def follow(streams: Iterable[list[Recorded]], candidate: Policy, rules: CaseRules, until: date, *,
           follow_record: bool = True) -> Followed:
    """Each case stream (events up to `until`) followed where the candidate decides as recorded (see `replay`)."""
    cases = []
    for stream in streams:
        kept = [r for r in stream if r.businessdate <= until]
        if kept:
            cases.append((kept, *_record_of(kept, candidate, rules, until, follow_record)))
    return Followed(candidate, rules, until, cases)


def _start(stream: list[Recorded], candidate: Policy, rules: CaseRules) -> tuple[Case, date, date]:
    """The case as opened, the first business day and the eve of the first day a day_closed rule can match."""
    opened = stream[0].data
    assert isinstance(opened, ev.CaseOpened)
    overdue_since = opened.opened_on - timedelta(days=opened.days_past_due)
    case = Case(history.opened(opened, overdue_since), rules)
    return case, stream[0].businessdate, _first_day_rule_day(candidate, overdue_since)


def _redecide(stream: list[Recorded], candidate: Policy, rules: CaseRules, until: date, out: Replay,
              loans: Mapping[str, Mapping[str, Any]] | None = None) -> None:
    """The candidate decides at every moment through the case aggregate; its decisions' events are its own.

    `loans`: the loan directory by loan id, for where a letter may go (the case's contact points at the
    moment); None: addresses unknown, a letter is sent as to the loan file."""
    opened = stream[0].data
    case, day, first = _start(stream, candidate, rules)
    for group in moments(stream):
        on = group[0].businessdate
        day = max(day, min(first, on))
        while day < on and case.is_open:
            day += timedelta(days=1)
            _decide(case, candidate, day, ["day_closed"], out, loans)
        for r in group[1:] if group[0].data is opened else group:
            history.evolve(case.state, r.data, r.businessdate, rules)
        _decide(case, candidate, on, triggers_of([r.data for r in group]), out, loans)
    day = max(day, min(first, until))
    while day < until and case.is_open:
        day += timedelta(days=1)
        _decide(case, candidate, day, ["day_closed"], out, loans)


class _Diverged(Exception):
    """The candidate decides otherwise than the record here: the case is re-decided."""


def _gaps(stream: list[Recorded]) -> tuple[list[tuple[int, list[Recorded]]], int]:
    """The recorded decisions, each with the events it caused (recorded before it) and the number of the moment
    it follows (its gap between moments: 0 after the opening moment); and how many moments there are."""
    decisions: list[tuple[int, list[Recorded]]] = []
    caused: list[Recorded] = []
    moment, in_facts, key = -1, False, None
    for r in stream:
        if policy_made(r.data):
            in_facts, key = False, None
            caused.append(r)
            if type(r.data) is ev.PolicyDecided:
                decisions.append((moment, caused))
                caused = []
            continue
        if not in_facts or key != (r.businessdate, r.correlationid):
            moment += 1
        in_facts, key = True, (r.businessdate, r.correlationid)
    if caused:  # events naming a rule with no decision after them: not what the policy records
        raise _Diverged
    return decisions, moment + 1


def _follow(stream: list[Recorded], recorded: list[Decided], candidate: Policy, rules: CaseRules,
            until: date) -> list[Decided] | None:
    """The case replayed while the candidate decides exactly what was recorded; None where it does not.

    The facts are applied as in `_redecide`, and at each moment the candidate evaluates the case as the
    aggregate does (per trigger, rounds for the triggers its actions raise). Each decision it takes must
    be the next recorded one, in the same gap between moments, on the same day, by the same rule on the
    same trigger, with the same actions (what carrying them out added — a letter's id, a skip — aside);
    then the recorded decision and the events it caused are applied, as carrying it out made them.
    Every recorded decision must be matched. The state is then the recorded one at every moment.
    """
    try:
        decisions, _ = _gaps(stream)
        opened = stream[0].data
        case, day, first = _start(stream, candidate, rules)
        cursor = [0]

        def point(on: date, triggers: list[str], gap: int) -> None:
            s = case.state
            if s.status == "open":
                case.observe(days_past_due=max(s.days_past_due, (on - s.overdue_since).days))
            if not (case.is_open and triggers):
                return
            for _ in range(MAX_ROUNDS):
                if not triggers or not case.is_open:
                    break
                raised: list[str] = []
                for trigger in dict.fromkeys(triggers):
                    for decision in evaluate(candidate, case.policy.facts(), trigger):
                        raised += _apply_recorded(decision, on, gap)
                triggers = raised

        def _apply_recorded(decision: Any, on: date, gap: int) -> list[str]:
            if cursor[0] >= len(decisions):
                raise _Diverged
            where, events = decisions[cursor[0]]
            done = events[-1]
            data = done.data
            assert isinstance(data, ev.PolicyDecided)
            if (where != gap or done.businessdate != on or data.rule_id != decision.rule_id
                    or data.trigger != decision.trigger or len(data.actions) != len(decision.actions)
                    or any(any(made.get(k, _ABSENT) != v for k, v in action.items())
                           for made, action in zip(data.actions, decision.actions, strict=True))):
                raise _Diverged
            cursor[0] += 1
            raised = []
            for r in events:
                history.evolve(case.state, r.data, r.businessdate, rules)
                trigger = TRIGGERS.get(type(r.data))
                if trigger is not None:
                    raised.append(trigger)
            return raised

        gap = -1
        for group in moments(stream):
            on = group[0].businessdate
            day = max(day, min(first, on))
            while day < on and case.is_open:
                day += timedelta(days=1)
                point(day, ["day_closed"], gap)
            for r in group[1:] if group[0].data is opened else group:
                history.evolve(case.state, r.data, r.businessdate, rules)
            gap += 1
            point(on, triggers_of([r.data for r in group]), gap)
        day = max(day, min(first, until))
        while day < until and case.is_open:
            day += timedelta(days=1)
            point(day, ["day_closed"], gap)
        if cursor[0] != len(decisions):
            raise _Diverged
    except _Diverged:
        return None
    return list(recorded)


_ABSENT = object()


def _first_day_rule_day(candidate: Policy, overdue_since: date) -> date:
    """The eve of the first day a `day_closed` rule can match: its DPD threshold reached (date.max: none)."""
    days = [overdue_since + timedelta(days=rule.when.dpd_min - 1) if rule.when.dpd_min is not None else date.min
            for rule in candidate.rules if "day_closed" in rule.triggers]
    return min(days, default=date.max)


def triggers_of(facts: list[EventData]) -> list[str]:
    """The triggers a transaction's facts raised, in the order the case raised them.

    A broken promise that makes a serial promiser raises `tagged` (the tag, recorded after it) first.
    """
    out: list[str] = []
    held: str | None = None
    for data in facts:
        trigger = TRIGGERS.get(type(data))
        if held is not None and not isinstance(data, ev.CaseTagged):
            out.append(held)
            held = None
        if isinstance(data, ev.PromiseBroken):
            held = trigger
        elif trigger is not None:
            out.append(trigger)
            if held is not None:
                out.append(held)
                held = None
    return out + ([held] if held else [])


def _decide(case: Case, candidate: Policy, on: date, triggers: list[str], out: Replay,
            loans: Mapping[str, Mapping[str, Any]] | None = None) -> None:
    s = case.state
    if s.status == "open":
        case.observe(days_past_due=max(s.days_past_due, (on - s.overdue_since).days))
    case.pending.triggers = list(triggers)
    if case.is_open and triggers:
        points = None if loans is None else all_points(s.contact_points, loans.get(s.loan_id))
        case.apply_policy(candidate, on, points)
    out.candidate += [Decided.of(e, on) for e in case.pending.events if isinstance(e, ev.PolicyDecided)]
    case.pending.events, case.pending.triggers = [], []


def replay(streams: Iterable[list[Recorded]], candidate: Policy, rules: CaseRules, until: date,
           start: date = date.min, *, follow_record: bool = True,
           loans: Mapping[str, Mapping[str, Any]] | None = None) -> Replay:
    """Every case stream replayed under the candidate up to `until` (each opened first); the decisions
    of business days `start`..`until` kept (a case opened earlier is replayed from its opening).
    `follow_record=False`: every case re-decided through the aggregate (the faithful-replay test's path).
    `loans`: the loan directory by loan id (as the live decision reads it: `loan.disbursed`'s borrower, contacts,
    guarantor), so a re-decided letter goes where the live policy's would — the borrower's first address the
    case has not recorded invalid — and is skipped `no_valid_address` where it would have been; a loan it does
    not hold has no origination address. None: addresses not known, a letter is sent as to the loan file.
    (The service layer fetches the directory for the re-decided cases only: `follow`, then `Followed.finish`.)"""
    return follow(streams, candidate, rules, until, follow_record=follow_record).finish(start, loans)


def workload(decisions: Iterable[Decided]) -> Counter[tuple[date, str]]:
    """The work the decisions schedule: (due day, channel) -> count (skipped actions do nothing)."""
    out: Counter[tuple[date, str]] = Counter()
    for d in decisions:
        for action in map(dict, d.actions):
            channel = history.SCHEDULING.get(action["type"], "") or action.get("channel")
            if channel and "skipped" not in action:
                out[(d.on + timedelta(days=int(action.get("in_days", 0))), str(channel))] += 1
    return out
