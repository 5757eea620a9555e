"""What people ask collections to do on a case; `service_layer/handlers.py` carries each out in a unit of work.

Every command names the case and who asks (`by`, with their roles: a collector acts on the
cases assigned to them, supervisors and legal on any). Each answers the case view.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from services.collections.domain.staging import Stage
from shared.contracts.collections import Recording
from shared.idempotency import IdempotencyKey
from shared.messagebus import Command

CaseView = dict[str, Any]  # the case as the API shows it (replayed as is for an Idempotency-Key)
SUPERVISING = frozenset({"collections_supervisor", "admin", "legal"})


@dataclass(frozen=True)
class CaseCommand(Command[CaseView]):
    case_id: str
    by: str
    roles: frozenset[str]

    @property
    def supervising(self) -> bool:
        return bool(self.roles & SUPERVISING)


@dataclass(frozen=True)
class RecordPromise(CaseCommand):
    """A promise to pay (承诺还款): an amount by a date, judged at day-close after the date plus grace."""

    amount: Decimal
    promised_date: date
    idempotency: IdempotencyKey | None = None


@dataclass(frozen=True)
class LogContact(CaseCommand):
    """A contact attempt on a target (a kind or a contact point id), checked against the contact policy and
    the third-party rule; `reason`: why the borrower is late, if the contact learned it; `recording`: the
    reference to its recording (a call or a visit), which QA samples."""

    channel: str
    outcome: str
    note: str | None
    target: str
    idempotency: IdempotencyKey | None = None
    reason: str | None = None
    recording: Recording | None = None
    follow_up_on: date | None = None


@dataclass(frozen=True)
class AddContactPoint(CaseCommand):
    """A trace finding: a phone, an address or an employer for the borrower, guarantor or a third party."""

    kind: str
    value: str
    relation: str
    source: str
    idempotency: IdempotencyKey | None = None


@dataclass(frozen=True)
class MarkContactPoint(CaseCommand):
    """Mark a contact point valid or invalid (by hand; a returned letter marks its address `invalid` with
    reason `returned_letter`)."""

    point_id: str
    status: str
    reason: str = "marked_by_hand"


@dataclass(frozen=True)
class OpenComplaint(CaseCommand):
    """A complaint kept apart from the debt: never pauses collection."""

    category: str
    description: str
    owner: str | None = None
    idempotency: IdempotencyKey | None = None


@dataclass(frozen=True)
class ResolveComplaint(Command[CaseView]):
    """Answer a complaint by its id (the case is found from it); answers the complaint."""

    complaint_id: str
    by: str
    roles: frozenset[str]
    resolution: str


@dataclass(frozen=True)
class AssignCase(CaseCommand):
    """A supervisor gives the case to a collector, maybe in another queue (never to one who originated the loan)."""

    collector: str
    queue: str | None
    reason: str | None


@dataclass(frozen=True)
class EscalateCase(CaseCommand):
    """By hand, to the next stage or a named later one."""

    reason: str
    to_stage: Stage | None


@dataclass(frozen=True)
class TagBehaviour(CaseCommand):
    """One of the seven behaviour types of DOMAIN.md; the view shows its tactic."""

    behaviour: str
    reason: str | None


@dataclass(frozen=True)
class OpenDispute(CaseCommand):
    reason: str


@dataclass(frozen=True)
class ResolveDispute(CaseCommand):
    resolution: str


@dataclass(frozen=True)
class ReportFraud(CaseCommand):
    note: str


@dataclass(frozen=True)
class ReportDeceased(CaseCommand):
    note: str


@dataclass(frozen=True)
class VerifyDeceased(CaseCommand):
    confirmed: bool
    evidence: str


@dataclass(frozen=True)
class ChooseDeceasedPath(CaseCommand):
    path: str
    note: str | None


@dataclass(frozen=True)
class StartSkipTrace(CaseCommand):
    note: str


@dataclass(frozen=True)
class RestartStatute(CaseCommand):
    kind: str
    on: date
    evidence: str


@dataclass(frozen=True)
class DecideWriteOff(CaseCommand):
    reason: str


@dataclass(frozen=True)
class SendLetter(CaseCommand):
    """A letter to the borrower (reminder, 催收通知书, pre-legal notice); answers its id and tracking number."""

    template: str
    registered: bool
    tracking_number: str | None = None
    address_point_id: str | None = None
    idempotency: IdempotencyKey | None = None


@dataclass(frozen=True)
class ReturnLetter(CaseCommand):
    """The post returned the letter: the address it went to is marked invalid."""

    letter_id: str
    reason: str | None


@dataclass(frozen=True)
class RecordLetterDelivery(CaseCommand):
    """A registered letter was signed for; a delivered demand is documented demand for the statute."""

    letter_id: str
    on: date


@dataclass(frozen=True)
class PlaceWithAgency(CaseCommand):
    """Place the case with a collection agency for a fee rate until `recall_on`; answers `{placement_id}`."""

    agency: str
    fee_rate: Decimal
    recall_on: date
    idempotency: IdempotencyKey | None = None


@dataclass(frozen=True)
class ProposeArrangement(CaseCommand):
    """An instalment plan or a settlement (减免): instalments (due date, amount) and a waiver; approved at once
    within the proposer's limit, else waiting for a second person's approval."""

    kind: str
    instalments: tuple[tuple[date, Decimal], ...]
    waive: Decimal
    idempotency: IdempotencyKey | None = None


@dataclass(frozen=True)
class RecallPlacement(CaseCommand):
    """Recall the case from the agency before its recall date; answers the case view."""

    placement_id: str


@dataclass(frozen=True)
class DecideArrangement(Command[CaseView]):
    """Approve or reject an arrangement by its id (its case is found from it); answers the arrangement."""

    arrangement_id: str
    by: str
    roles: frozenset[str]
    approve: bool
    reason: str | None = None


@dataclass(frozen=True)
class RevealCase(CaseCommand):
    """The case with its contact points unmasked, for its collector, a supervisor or legal, with the reason
    (recorded in the access audit); answers the full case view."""

    reason: str


@dataclass(frozen=True)
class MoveCollector(Command[CaseView]):
    """A supervisor moves a collector to a queue (stage) and/or makes them (in)active on the roster; their open
    cases of a queue they leave stay with them or are rebalanced (`cases`, default from configuration).
    `version`: the roster version the supervisor saw (another move since → 409 `roster_changed`)."""

    collector: str
    by: str
    queue: str
    active: bool
    cases: str | None = None
    reason: str | None = None
    version: int | None = None


@dataclass(frozen=True)
class AssignCases(Command[CaseView]):
    """A supervisor gives several cases to one collector: each case as `AssignCase` would, on its own."""

    case_ids: tuple[str, ...]
    by: str
    roles: frozenset[str]
    collector: str
    queue: str | None = None
    reason: str | None = None


@dataclass(frozen=True)
class ReviewContact(Command[CaseView]):
    """Role qa scores a sampled recorded contact on the scorecard; answers the review with its findings."""

    contact_id: str
    by: str
    roles: frozenset[str]
    scores: dict[str, str]
    note: str | None
    coaching: bool = False
    idempotency: IdempotencyKey | None = None


@dataclass(frozen=True)
class AcknowledgeFinding(Command[CaseView]):
    """The collector whose contact it was acknowledges a finding that requires coaching; answers the finding."""

    finding_id: str
    by: str
    roles: frozenset[str]
    note: str | None


@dataclass(frozen=True)
class RecordLegalAction(CaseCommand):
    """A step of the legal proceedings (legal or a supervisor), in their order (domain/legal.py)."""

    kind: str
    on: date
    reference: str | None = None
    court: str | None = None
    cost: Decimal | None = None
    amount: Decimal | None = None
    outcome: str | None = None
    route: str | None = None
    note: str | None = None
    idempotency: IdempotencyKey | None = None
