"""Events published by collections on `loanflow.collections` (key: loan id)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from shared.contracts.registry import EventData, event, upcaster
from shared.money import Money, Rate
from shared.pii import mask_address, mask_phone, mask_text

StageName = Literal["front", "mid", "back"]
# Which escalation policy a case follows (champion/challenger, issue 17); drawn at opening, kept for life.
PolicyArm = Literal["champion", "challenger"]
# Who a contact reaches: the borrower, the guarantor (a co-obligor), or a third party who may only
# help locate the borrower (family, work, other). CONTRACT.md second round.
TargetKind = Literal["borrower", "guarantor", "family", "work", "other"]
THIRD_PARTIES = ("family", "work", "other")
# Why the borrower is late (DOMAIN.md §3: find the cause before acting).
DelinquencyReason = Literal["forgot", "cash_flow", "business_down", "job_loss", "illness", "dispute", "fraud",
                            "wilful", "other"]
VALID_VISIT_OUTCOMES = ("met_borrower", "met_family")  # a visit that reached the household counts as valid


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


# A recording's reference (issue 16): a URI with a scheme and an authority, e.g. s3://calls/2026/04/ct-1.wav
# or https://media.example.com/calls/1; the audio stays in the company's storage.
RECORDING_URI = r"^[A-Za-z][A-Za-z0-9+.-]*://[^\s/?#]+[^\s]*$"
SHA256_HEX = r"^[0-9a-fA-F]{64}$"
RECORDED_CHANNELS = ("phone", "visit")  # a call or a visit can be recorded; an sms or a letter is its own record


class Recording(BaseModel):
    """The reference to a contact's recording `{uri, duration_s, sha256}`: where the audio lives, how long it
    runs (seconds, > 0, at most a day, to the millisecond) and the SHA-256 of its bytes (64 hex digits, kept
    lower-case), so a reviewer can check the file is the one recorded."""

    model_config = ConfigDict(frozen=True)

    uri: str = Field(min_length=8, max_length=1000, pattern=RECORDING_URI)
    duration_s: Decimal = Field(gt=0, le=86400, decimal_places=3)
    sha256: str = Field(pattern=SHA256_HEX)

    @field_validator("sha256")
    @classmethod
    def _lower(cls, value: str) -> str:
        return value.lower()


@event("collections.contact.logged", version=2)
class ContactLogged(EventData):
    """A contact attempt. v2 says whom it reached and why the borrower is late:

    `target` as given (a kind or a contact point id), `target_kind` (the kind, or the point's
    relation), `point_id` (the contact point used, if named), `reason` (why late); on a visit,
    `valid_visit` (met the borrower or family, vs address_invalid / moved / no answer),
    `invalid_address` (the address point was already marked invalid: the visits the notes warn
    about) and `visit_target` (the monthly visit target in force, which reports measure).
    `recording` (optional, added compatibly within v2: earlier v2 events simply have none) is the
    reference to the call's or visit's recording, which QA samples and scores. `follow_up_on` (optional,
    added compatibly within v2) is when the collector means to follow up: the case's next action on the
    contact's channel until the next contact on it.
    """

    case_id: str
    loan_id: str
    contact_id: str
    channel: Literal["phone", "sms", "letter", "visit"]
    outcome: str
    collector: str
    contacted_at: datetime
    note: str | None = None
    target: str | None = None
    target_kind: TargetKind | None = None
    point_id: str | None = None
    reason: DelinquencyReason | None = None
    valid_visit: bool | None = None
    invalid_address: bool = False
    visit_target: int | None = None
    recording: Recording | None = None
    follow_up_on: date | None = None


_V1_TARGETS = {"borrower": "borrower", "family": "family", "other": "other", "work": "work", "employer": "work"}


@upcaster("collections.contact.logged", 1)
def contact_logged_v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
    """v1 knew the target's kind only (`employer` is a work contact); a v1 visit was not judged valid or not."""
    return {**data, "target_kind": _V1_TARGETS.get(data.get("target") or "borrower")}


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


# Who recovered a payment (issue 15): the case's own collector, the collection agency it is placed with,
# or legal proceedings.
RecoveryChannel = Literal["collector", "agency", "legal"]


@event("collections.recovery.attributed", version=2)
class RecoveryAttributed(EventData):
    """A payment on a case credited to whoever recovered it, with the commission or the agency's fee.

    v2 adds the `channel`: `collector` (the assignee earns commission at the rate of the case's
    stage), `legal` (the case is in legal proceedings: legal's rate), `agency` (the case is placed:
    `agency` and `placement_id` name the placement, `agency_fee` is its fee on the amount, and no
    collector is credited, so `collector` is None and `commission` 0.00). Amounts are rounded
    half-up to the fen per recovery.
    """

    case_id: str
    loan_id: str
    payment_id: str
    amount: Money
    commission: Money
    collector: str | None = None  # None: nobody held the case, or the agency channel
    stage: StageName | None = None
    channel: RecoveryChannel = "collector"
    agency: str | None = None
    placement_id: str | None = None
    agency_fee: Money = Decimal("0.00")


@upcaster("collections.recovery.attributed", 1)
def recovery_attributed_v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
    """Before placements and legal channels every recovery was credited to the case's collector."""
    return {**data, "channel": "collector", "agency": None, "placement_id": None, "agency_fee": "0.00"}


PlacementRecall = Literal["requested", "recall_date", "case_closed"]


@event("collections.placement.made")
class PlacementMade(EventData):
    """The case placed with a collection agency (委外催收) until `recall_on`, for a fee on what it recovers.

    `placed_balance`: what the agency is asked to collect, the case's total due when placed (amount
    overdue, penalty interest and fees); `rule_id` when the escalation policy placed it.
    """

    case_id: str
    loan_id: str
    placement_id: str
    agency: str
    fee_rate: Rate
    placed_on: date
    recall_on: date
    placed_balance: Money
    placed_by: str
    rule_id: str | None = None


@event("collections.placement.recalled")
class PlacementRecalled(EventData):
    """The placement ended: `requested` by a person, the `recall_date` passed, or the case closed.

    `recovered` and `agency_fees`: what came in during the placement and the agency's fees on it.
    """

    case_id: str
    loan_id: str
    placement_id: str
    agency: str
    recalled_on: date
    reason: PlacementRecall
    recalled_by: str
    recovered: Money
    agency_fees: Money


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


ComplaintCategory = Literal["sales", "amount_approved", "fees", "collector_conduct", "privacy", "other"]


@event("collections.complaint.opened")
class ComplaintOpened(EventData):
    """A complaint (about sales, the amount approved, fees, a collector, privacy): kept apart from the debt.

    It never pauses collection (only a dispute of the debt does). `collector`: the collector
    complained about (for `collector_conduct`, the case's assignee when it came in); `assignee`:
    the case's collector then, whatever the category.
    """

    case_id: str
    loan_id: str
    complaint_id: str
    category: ComplaintCategory
    description: str
    owner: str
    opened_by: str
    opened_on: date
    due_on: date
    collector: str | None = None
    assignee: str | None = None
    masked_on_publish = {"description": mask_text}


@event("collections.complaint.resolved")
class ComplaintResolved(EventData):
    """A complaint answered; `overdue` when resolved after its due date."""

    case_id: str
    loan_id: str
    complaint_id: str
    category: ComplaintCategory
    resolution: str
    resolved_by: str
    resolved_on: date
    due_on: date
    overdue: bool
    collector: str | None = None
    masked_on_publish = {"resolution": mask_text}


PointKind = Literal["phone", "address", "employer"]
PointStatus = Literal["valid", "invalid", "unknown"]


def mask_point_value(value: str) -> str:
    """A phone as 138****5678; anything else (an address) keeps its leading part only (北京市朝阳区****)."""
    digits = value.replace(" ", "").replace("-", "")
    return mask_phone(digits) if digits.isdigit() else mask_address(value)


@event("collections.contact_point.added")
class ContactPointAdded(EventData):
    """A way to reach someone on the case found later (skip tracing, a contact's hint): `source` says where.

    The origination points (applicant, contacts, guarantor, addresses, employer) come from
    `loan.disbursed` and are not re-recorded; their status changes are.
    """

    case_id: str
    loan_id: str
    point_id: str
    kind: PointKind
    value: str
    relation: TargetKind
    source: str
    added_by: str
    contact_id: str | None = None  # the contact that found it, if any
    masked_on_publish = {"value": mask_point_value}


@event("collections.contact_point.status_changed")
class ContactPointStatusChanged(EventData):
    """A contact point judged valid or invalid: by hand, by a wrong number, a visit finding the
    address invalid or the borrower moved, a returned letter (`reason`; `contact_id` when a contact
    or letter showed it)."""

    case_id: str
    loan_id: str
    point_id: str
    kind: PointKind
    relation: TargetKind
    source: str
    status: Literal["valid", "invalid"]
    previous: PointStatus
    changed_by: str
    reason: str
    contact_id: str | None = None


LetterTemplate = Literal["reminder", "demand_notice", "pre_legal"]


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
    # amount_overdue split as servicing gave it (loan.payment.missed principal_overdue); absent when unknown
    principal_overdue: Money | None = None
    interest_overdue: Money | None = None
    masked_on_publish = {"address": mask_point_value}


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


RosterCases = Literal["stay", "rebalance"]


@event("collections.roster.changed")
class RosterChanged(EventData):
    """A collector moved between queues (stages) or made (in)active on the roster (stream `roster`).

    `from_queues`: the queues the collector worked before (none: new on the roster); `cases`: what
    happened to their open cases of a queue they left or of every queue when made inactive
    (`stay` with them, or `rebalance`d to the queue's other active collectors: each case then has
    its own collections.case.assigned)."""

    collector: str
    from_queues: list[str]
    to_queue: str
    was_active: bool
    active: bool
    cases: RosterCases
    changed_by: str
    reason: str | None = None


# Call quality (issue 16): the weekly sample, the scorecard review, coaching acknowledged by the collector.
QaScore = Literal["pass", "fail", "na"]


@event("collections.qa.sample_drawn")
class QaSampleDrawn(EventData):
    """The week's QA sample, drawn once: `seed` and `population` (each collector's recorded contacts of the
    week, by business date, sorted) are enough to draw `sample` again (domain/qa.draw) and audit it."""

    week: str  # ISO week, e.g. 2026-W17
    seed: str
    per_collector: int
    drawn_by: str
    drawn_on: date
    population: dict[str, list[str]]
    sample: dict[str, list[str]]


class QaFinding(BaseModel):
    """A failed scorecard item; `coaching_required`: the collector must acknowledge it."""

    model_config = ConfigDict(frozen=True)

    finding_id: str
    item: str
    coaching_required: bool


@event("collections.qa.reviewed")
class QaReviewed(EventData):
    """A sampled contact scored on the scorecard in force (every item pass, fail or na); failed items are
    `findings`."""

    review_id: str
    contact_id: str
    case_id: str
    loan_id: str
    collector: str
    reviewer: str
    week: str
    reviewed_on: date
    scores: dict[str, QaScore]
    note: str | None = None
    findings: list[QaFinding]


@event("collections.qa.coaching_acknowledged")
class QaCoachingAcknowledged(EventData):
    """The collector acknowledged a finding that required coaching."""

    review_id: str
    finding_id: str
    contact_id: str
    case_id: str
    loan_id: str
    collector: str
    item: str
    acknowledged_by: str
    acknowledged_on: date
    note: str | None = None


# Legal proceedings (issue 15; DOMAIN.md §3: "legal (法务: court, payment order 支付令, enforcement 强制执行;
# economic-crime police for fraud)"): referral -> filing -> payment order or judgment -> enforcement -> closed.
LegalRoute = Literal["payment_order", "lawsuit", "enforcement", "police"]
LegalActionKind = Literal["filing", "payment_order", "judgment", "enforcement", "police_report", "closed"]
LegalOutcome = Literal["recovered", "settled", "withdrawn", "dismissed", "unrecoverable"]


@event("collections.legal.referred")
class LegalReferred(EventData):
    """The case was referred to legal (法务) on `on`: by the escalation policy (`rule_id` set, routed by that
    rule's decision) or by hand (a supervisor or legal; the case moves to the legal queue unless `police`)."""

    case_id: str
    loan_id: str
    action_id: str
    on: date
    route: LegalRoute | None = None
    referred_by: str  # a person, or "policy"
    rule_id: str | None = None
    note: str | None = None


@event("collections.legal.action_recorded")
class LegalActionRecorded(EventData):
    """A step of the legal proceedings, recorded by legal or a supervisor, dated `on` (the day it happened).

    `reference`: the court's case number (案号) for a filing, the order's or report's number after it;
    `cost`: what the step cost (court fees 诉讼费, enforcement fees), exact to the fen;
    `amount`: the sum ordered or awarded (payment order, judgment), recovered by enforcement, or, on `closed`,
    the amount the proceedings recovered in all; `outcome`: how they ended (`closed` only).
    """

    case_id: str
    loan_id: str
    action_id: str
    kind: LegalActionKind
    on: date
    reference: str | None = None
    court: str | None = None
    cost: Money
    amount: Money | None = None
    outcome: LegalOutcome | None = None
    recorded_by: str
    stage: StageName
    collector: str | None = None  # the case's collector when it was recorded
    note: str | None = None
