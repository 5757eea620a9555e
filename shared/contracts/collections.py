"""Events published by collections on `loanflow.collections` (key: loan id)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from shared.contracts.registry import EventData, event
from shared.money import Money

StageName = Literal["front", "mid", "back"]


@event("collections.case.opened")
class CaseOpened(EventData):
    case_id: str
    loan_id: str
    stage: StageName
    days_past_due: int
    amount_overdue: Money
    opened_on: date
    episode: int = 1


@event("collections.case.assigned")
class CaseAssigned(EventData):
    case_id: str
    loan_id: str
    collector: str | None
    queue: str
    assigned_by: str
    reason: str | None = None


@event("collections.case.escalated")
class CaseEscalated(EventData):
    case_id: str
    loan_id: str
    from_stage: StageName | None
    to_stage: StageName
    reason: str
    days_past_due: int | None = None
    rule_id: str | None = None


@event("collections.contact.logged")
class ContactLogged(EventData):
    case_id: str
    loan_id: str
    contact_id: str
    channel: Literal["phone", "sms", "letter", "visit"]
    outcome: str
    collector: str
    contacted_at: datetime
    note: str | None = None
    target: str | None = None


@event("collections.promise.made")
class PromiseMade(EventData):
    case_id: str
    loan_id: str
    promise_id: str
    amount: Money
    promised_date: date
    collector: str


@event("collections.promise.kept")
class PromiseKept(EventData):
    case_id: str
    loan_id: str
    promise_id: str
    amount: Money
    paid_amount: Money
    promised_date: date
    collector: str | None = None


@event("collections.promise.broken")
class PromiseBroken(EventData):
    """A promise to pay not covered by the promised date plus grace (爽约)."""

    case_id: str
    loan_id: str
    promise_id: str
    amount: Money
    paid_amount: Money
    promised_date: date
    broken_count: int
    partial: bool = False
    collector: str | None = None


@event("collections.case.resolved")
class CaseResolved(EventData):
    case_id: str
    loan_id: str
    resolution: Literal["cured", "paid_off", "written_off"]
    resolved_on: date
    stage: StageName | None = None


@event("collections.policy.decided")
class PolicyDecided(EventData):
    """The escalation policy fired a rule on a case; names the rule and its actions."""

    case_id: str
    loan_id: str
    policy_version: str
    rule_id: str
    actions: list[dict[str, Any]]
    trigger: str


@event("collections.write_off.decided")
class WriteOffDecided(EventData):
    """Collections decided to write the loan off; servicing answers with loan.written_off."""

    case_id: str
    loan_id: str
    decided_by: str
    reason: str


@event("collections.recovery.attributed")
class RecoveryAttributed(EventData):
    """A payment on a case credited to its assigned collector, with commission."""

    case_id: str
    loan_id: str
    payment_id: str
    collector: str | None
    amount: Money
    commission: Money
    stage: StageName | None = None
