"""The state of a collections case (one delinquent episode of one loan) and its rules' knobs."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from services.collections.domain.arrangements import Arrangement
from services.collections.domain.commission import CommissionRates
from services.collections.domain.complaints import Complaint
from services.collections.domain.contact_points import ContactPoint
from services.collections.domain.legal import LegalAction, in_legal
from services.collections.domain.letters import Letter
from services.collections.domain.placements import DEFAULT_AGENCIES, AgencyTerms, Placement
from services.collections.domain.promises import Promise
from services.collections.domain.staging import Stage, StageBounds
from shared.contracts.registry import EventData
from shared.money import ZERO

SpecialStatus = Literal["none", "deceased_reported", "deceased_verified", "fraud", "unreachable"]


@dataclass(frozen=True)
class CaseRules:
    """Configurable numbers the case lifecycle follows."""

    bounds: StageBounds = field(default_factory=StageBounds)
    promise_grace_days: int = 0
    promise_max_days: int = 365  # a promised date at most this many days after the business date
    serial_promiser_after: int = 2
    statute_years: int = 3
    statute_warn_days: int = 90
    commission: CommissionRates = field(default_factory=CommissionRates)  # by channel and stage (commission.py)
    agencies: dict[str, AgencyTerms] = field(default_factory=lambda: dict(DEFAULT_AGENCIES))  # policy placements


# Servicing's figures on the loan, observed by the case rather than decided by it: refreshed from
# servicing's notices and counted up at day-close in bulk (adapters/cases.refresh_idle_dpd).
# Every other field is a fold of the case's own events (domain/history.py).
POSITION_FIELDS = frozenset({"days_past_due", "overdue_since", "amount_overdue", "principal_outstanding",
                             "charges", "interest_overdue", "charges_outstanding", "principal_overdue"})


class CaseState(BaseModel):
    """Everything known about a case: the fold of its events plus servicing's figures (POSITION_FIELDS).

    The `cases` row keeps it as a snapshot, written in the transaction that appends the events.
    """

    model_config = ConfigDict(extra="ignore", validate_assignment=False)

    case_id: str
    loan_id: str
    episode: int
    episode_key: date  # the overdue_since that opened the episode: with loan_id, the case's identity
    status: Literal["open", "closed"] = "open"
    arm: Literal["champion", "challenger"] = "champion"  # the policy arm, drawn at opening, kept for life
    stage: Stage = "front"
    days_past_due: int = 0
    overdue_since: date
    amount_overdue: Decimal = ZERO
    principal_outstanding: Decimal = ZERO
    opened_on: date
    resolved_on: date | None = None
    resolution: str | None = None
    queue: str = "front"
    assignee: str | None = None
    assigned_on: date | None = None  # business date of the latest assignment (idle cases count from it too)
    holders: list[str] = Field(default_factory=list)  # every collector the case was given to, first first
    special_status: SpecialStatus = "none"
    special_path: str | None = None
    dispute: dict[str, Any] | None = None
    tags: list[str] = Field(default_factory=list)
    broken_promises: int = 0
    promises: list[Promise] = Field(default_factory=list)
    scheduled: list[dict[str, Any]] = Field(default_factory=list)
    fired_rules: list[str] = Field(default_factory=list)
    legal_referred: bool = False
    agency: str | None = None  # the agency the case is placed with now
    write_off_proposed: bool = False
    write_off_decided: bool = False
    statute_runs_from: date
    statute_warned: bool = False
    statute_expired: bool = False
    last_contact_at: datetime | None = None
    last_contact_on: date | None = None  # business date of the last contact (untouched cases count from it)
    latest_reason: str | None = None  # why the borrower is late, as the latest contact that said so recorded
    invalid_address_visits: int = 0  # visits to an address already marked invalid (the notes' warning)
    contact_points: list[ContactPoint] = Field(default_factory=list)  # trace findings; status of any point
    complaints: list[Complaint] = Field(default_factory=list)
    recovered: Decimal = ZERO
    charges: dict[str, Decimal] = Field(default_factory=dict)
    letters: list[Letter] = Field(default_factory=list)
    placements: list[Placement] = Field(default_factory=list)  # agency placements, oldest first (placements.py)
    legal_actions: list[LegalAction] = Field(default_factory=list)  # the proceedings' steps in order (legal.py)

    @property
    def in_legal(self) -> bool:
        """Referred to legal or filed, and the proceedings not closed (a recovery now is legal's)."""
        return in_legal(self)
    arrangements: list[Arrangement] = Field(default_factory=list)  # instalment plans and settlements (issue 15)
    interest_overdue: Decimal = ZERO  # servicing's: unpaid interest of installments due (amount_overdue − principal)
    charges_outstanding: Decimal = ZERO  # servicing's: charges applied in the episode less what payments took
    # servicing's: unpaid principal of the installments due (loan.payment.missed principal_overdue) less the
    # principal payments took; None while servicing has not said (a letter then shows principal and interest as one)
    principal_overdue: Decimal | None = None

    @property
    def amount_owed(self) -> Decimal:
        """What an arrangement covers: principal outstanding + overdue interest + charges outstanding."""
        return self.principal_outstanding + self.interest_overdue + self.charges_outstanding


@dataclass
class Pending:
    """What a command produced: events to append and policy triggers to evaluate."""

    events: list[EventData] = field(default_factory=list)
    triggers: list[str] = field(default_factory=list)
    needs_assignment: bool = False


def decided(state: CaseState) -> dict[str, Any]:
    """The part of the state that is the fold of the case's events (all but servicing's figures)."""
    return state.model_dump(exclude=set(POSITION_FIELDS))
