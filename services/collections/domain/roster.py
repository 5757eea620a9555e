"""The roster: which collector works which queue (stage), and who is active.

DOMAIN.md §3: "Collectors of one stage can be moved to support another" (the notes: part of the
front-end team moved to support mid-end in July–August). The configured roster
(`LOANFLOW_COLLECTIONS_ROSTER`, queue -> collectors) is where every collector starts; a move
through `PUT /roster/{collector}` is an event of the `roster` stream and from then on decides that
collector's queue. New cases are routed to the active collectors of their queue, in roster order.

A case not worked (no contact) for N days (`LOANFLOW_COLLECTIONS_REASSIGN_AFTER_DAYS`) is rebalanced at
day-close to another active collector of its queue who has never held it (so never back to the same
one); the days count from the last contact, the latest assignment or the opening, whichever is latest.
Only the collectors' own work is measured that way: a case placed with an agency (委外) or with legal
(法务: referred or in proceedings, not closed) is worked elsewhere — by the agency, by the court's steps — so
it is never rebalanced by age, whatever queue it sits in (`kept_from_rebalance`); it comes back into the
rule when the placement is recalled or the proceedings close.

When a collector leaves a queue (moved, or made inactive) their open cases of that queue follow
a rule: `stay` with them, or `rebalance` to the queue's other active collectors, the least
loaded first, never to someone who originated the loan (domain/assignment.py).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from services.collections.domain.assignment import pick_collector
from services.collections.domain.errors import CaseRuleViolation
from services.collections.domain.legal import in_legal
from services.collections.domain.placements import active as active_placement
from services.collections.domain.state import CaseState
from shared.contracts.collections import RosterCases, RosterChanged

STAGES = ("front", "mid", "back")


@dataclass(frozen=True)
class Move:
    """A collector's place as recorded by the roster stream (their latest move)."""

    collector: str
    queue: str
    active: bool


@dataclass(frozen=True)
class Member:
    """One collector on one queue."""

    collector: str
    queue: str
    active: bool

    @property
    def stage(self) -> str | None:
        """The stage a stage queue works (special desks — legal, agency, fraud... — have none)."""
        return self.queue if self.queue in STAGES else None


class Roster:
    """The configured roster with the moves recorded since (`moves` in the order they were first made)."""

    def __init__(self, configured: Mapping[str, Sequence[str]], moves: Sequence[Move] = ()) -> None:
        self.configured = {q: list(c) for q, c in configured.items()}
        self.moves = {m.collector: m for m in moves}

    @property
    def queues(self) -> list[str]:
        return list(self.configured)

    def members(self) -> list[Member]:
        """Every collector on every queue they work, in roster order: the configured order of each queue,
        then collectors moved there (in the order of their first move)."""
        out: list[Member] = []
        for queue, collectors in self.configured.items():
            out += [Member(c, queue, True) for c in collectors if c not in self.moves]
            out += [Member(m.collector, queue, m.active) for m in self.moves.values() if m.queue == queue]
        return out

    def active_by_queue(self) -> dict[str, list[str]]:
        """Queue -> its active collectors in roster order (whom new cases are routed to)."""
        out: dict[str, list[str]] = {q: [] for q in self.configured}
        for m in self.members():
            if m.active:
                out[m.queue].append(m.collector)
        return out

    def queues_of(self, collector: str) -> list[str]:
        return [m.queue for m in self.members() if m.collector == collector]

    def is_active(self, collector: str) -> bool:
        """Active on some queue; someone not on the roster at all is not refused here (a supervisor may
        assign a case to any person, as before the roster existed)."""
        found = [m for m in self.members() if m.collector == collector]
        return not found or any(m.active for m in found)

    def move(
        self, collector: str, *, queue: str, active: bool, cases: RosterCases, by: str, reason: str | None = None
    ) -> RosterChanged | None:
        """Decide a move; None when the collector is already there in that state (nothing to record)."""
        if queue not in self.configured:
            raise CaseRuleViolation("unknown_queue", f"queue must be one of {sorted(self.configured)}", queue=queue)
        before = [m for m in self.members() if m.collector == collector]
        was_active = any(m.active for m in before)
        from_queues = [m.queue for m in before]
        if from_queues == [queue] and was_active == active:
            return None
        return RosterChanged(
            collector=collector,
            from_queues=from_queues,
            to_queue=queue,
            was_active=was_active,
            active=active,
            cases=cases,
            changed_by=by,
            reason=reason,
        )


def apply(moves: list[Move], event: RosterChanged) -> list[Move]:
    """The moves after an event (a fold step of the roster stream)."""
    kept = [m for m in moves if m.collector != event.collector]
    first = next((i for i, m in enumerate(moves) if m.collector == event.collector), len(kept))
    kept.insert(first, Move(event.collector, event.to_queue, event.active))
    return kept


def left_queues(event: RosterChanged) -> list[str]:
    """The queues whose cases of this collector the rule applies to: those left, or all when made inactive."""
    if not event.active:
        return list(dict.fromkeys([*event.from_queues, event.to_queue]))
    return [q for q in event.from_queues if q != event.to_queue]


def rebalance(
    cases: Sequence[tuple[str, str]],
    others: Sequence[str],
    caseload: Mapping[str, int],
    originators: Mapping[str, Collection[str]],
    leaving: str,
) -> dict[str, str | None]:
    """Case id -> its new collector (None: nobody eligible, it stays where it is).

    `cases`: (case id, loan id) in the order to hand out; `others`: the queue's active collectors
    in roster order; the least loaded eligible one takes each case (the load counts what it was
    just given); never `leaving`, never an originator of the loan.
    """
    load = dict(caseload)
    out: dict[str, str | None] = {}
    for case_id, loan_id in cases:
        chosen = pick_collector(list(others), load, {leaving, *originators.get(loan_id, ())})
        out[case_id] = chosen
        if chosen is not None:
            load[chosen] = load.get(chosen, 0) + 1
    return out


def idle_since(state: CaseState) -> date:
    """The day a case was last worked or given to its collector: its last contact, its latest assignment,
    or its opening, whichever is latest."""
    contact = state.last_contact_on or (state.last_contact_at.date() if state.last_contact_at else None)
    return max(d for d in (contact, state.assigned_on, state.opened_on) if d is not None)


def kept_from_rebalance(state: CaseState) -> str | None:
    """Why a case is never rebalanced by age (None: it may be). DOMAIN.md §3 names legal (法务: court, payment
    order, enforcement) and agencies as channels of their own: a case with an active placement or in legal
    (referred, filed, ... not closed) is worked there, and a lack of collector contacts is not neglect; the
    special desks (fraud, deceased, ...) and the legal and agency queues keep their cases too."""
    if state.queue not in STAGES:
        return f"the {state.queue} queue keeps its cases"
    if active_placement(state.placements) is not None:
        return "placed with an agency"
    if in_legal(state):
        return "with legal"
    return None


def idle_for(state: CaseState, day: date, after_days: int) -> int | None:
    """Days the open, assigned case has gone unworked on `day` when that is `after_days` or more (else None);
    None too for a case `kept_from_rebalance`."""
    if state.status != "open" or state.assignee is None or kept_from_rebalance(state) is not None:
        return None
    days = (day - idle_since(state)).days
    return days if days >= after_days else None
