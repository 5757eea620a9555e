"""Events published by collections on `loanflow.collections` (key: loan id)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from shared.contracts.registry import EventData, event, upcaster
from shared.money import Money

StageName = Literal["front", "mid", "back"]
# Which escalation policy a case follows (champion/challenger, issue 17); drawn at opening, kept for life.
PolicyArm = Literal["champion", "challenger"]


@event("collections.case.opened", version=2)
class CaseOpened(EventData):
    """A case opened on a delinquent episode. v2 adds `arm`: the policy arm the case follows for life."""

    case_id: str
    loan_id: str
    stage: StageName
    days_past_due: int
    amount_overdue: Money
    opened_on: date
    episode: int = 1
    tags: list[str] = []  # behaviour tags carried over from the loan's earlier episode
    arm: PolicyArm = "champion"


@upcaster("collections.case.opened", 1)
def case_opened_v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
    """Before champion/challenger every case followed the one policy: the champion."""
    return {**data, "arm": "champion"}


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


@event("collections.policy.decided", version=2)
class PolicyDecided(EventData):
    """The escalation policy fired a rule on a case; names the rule and its actions.

    v2 adds `arm`: the case's policy arm (`policy_version` names the policy of that arm that decided)."""

    case_id: str
    loan_id: str
    policy_version: str
    rule_id: str
    actions: list[dict[str, Any]]
    trigger: str
    arm: PolicyArm = "champion"


@upcaster("collections.policy.decided", 1)
def policy_decided_v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
    """v1 decisions were all the champion's; a version not recorded is "unknown", never guessed."""
    return {**data, "arm": "champion", "policy_version": data.get("policy_version") or "unknown"}


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


Behaviour = Literal["hostile", "evasive", "victim", "confident", "stubborn", "sophisticated", "serial_promiser"]
SpecialStatus = Literal["none", "deceased_reported", "deceased_verified", "fraud", "unreachable"]


@event("collections.case.tagged")
class CaseTagged(EventData):
    """A behaviour type (one of the seven of DOMAIN.md) attached to the case's borrower."""

    case_id: str
    loan_id: str
    behaviour: Behaviour
    tagged_by: str
    reason: str | None = None


@event("collections.case.special_status_changed")
class SpecialStatusChanged(EventData):
    """The case entered or left a special path: deceased, fraud, unreachable (skip trace)."""

    case_id: str
    loan_id: str
    status: SpecialStatus
    previous: SpecialStatus
    changed_by: str
    note: str | None = None
    path: str | None = None  # deceased: estate_repayment | write_off


@event("collections.dispute.opened")
class DisputeOpened(EventData):
    """A complaint or dispute: ordinary treatment pauses until it is resolved."""

    case_id: str
    loan_id: str
    dispute_id: str
    reason: str
    opened_by: str


@event("collections.dispute.resolved")
class DisputeResolved(EventData):
    case_id: str
    loan_id: str
    dispute_id: str
    resolution: str
    resolved_by: str


@event("collections.statute.warned")
class StatuteWarned(EventData):
    """The limitation period of the debt ends within the warning window."""

    case_id: str
    loan_id: str
    runs_from: date
    expires_on: date
    days_left: int


@event("collections.statute.expired")
class StatuteExpired(EventData):
    """The debt is time-barred: flagged, no longer pressed by legal action."""

    case_id: str
    loan_id: str
    runs_from: date
    expired_on: date


@event("collections.statute.restarted")
class StatuteRestarted(EventData):
    """An acknowledgement by the debtor or a documented demand restarted the limitation period."""

    case_id: str
    loan_id: str
    kind: Literal["acknowledgement", "demand"]
    on: date
    expires_on: date
    recorded_by: str
    evidence: str | None = None


@event("collections.write_off.proposed")
class WriteOffProposed(EventData):
    """A write-off proposal awaiting a legal / supervisor decision."""

    case_id: str
    loan_id: str
    proposed_by: str
    reason: str
    rule_id: str | None = None


LetterTemplate = Literal["reminder", "demand_notice", "pre_legal"]


def _mask_address(address: str) -> str:
    """Only the first six characters (province, city) of a postal address leave the service."""
    return address[:6] + "…" if len(address) > 6 else address


@event("collections.letter.sent")
class LetterSent(EventData):
    """A letter to the borrower (挂号信 when registered), with the amounts it demands as of `sent_on`.

    The letter's PDF is rendered from this event; a letter counts as a contact on the letter channel.
    Amounts are the case's servicing figures: installments overdue (principal and interest),
    penalty interest (罚息) and fees charged in the episode, their total, the principal outstanding.
    """

    case_id: str
    loan_id: str
    letter_id: str
    template: LetterTemplate
    registered: bool
    tracking_number: str | None = None
    address_point_id: str | None = None
    address: str | None = None
    sent_on: date
    pay_by: date
    days_past_due: int
    overdue_since: date
    amount_overdue: Money
    penalty: Money
    fees: Money
    total_due: Money
    principal_outstanding: Money
    sent_by: str  # who sent it, or "policy"
    collector: str | None = None  # the case's collector the letter counts for
    rule_id: str | None = None  # the policy rule that sent it
    masked_on_publish = {"address": _mask_address}


@event("collections.letter.returned")
class LetterReturned(EventData):
    """The post returned a letter undelivered (退信): the address it went to is not the borrower's."""

    case_id: str
    loan_id: str
    letter_id: str
    returned_on: date
    reason: str | None = None
    address_point_id: str | None = None
    recorded_by: str


@event("collections.letter.delivered")
class LetterDelivered(EventData):
    """A registered letter signed for on `delivered_on`; a demand or pre-legal notice is documented demand."""

    case_id: str
    loan_id: str
    letter_id: str
    delivered_on: date
    documented_demand: bool
    recorded_by: str
