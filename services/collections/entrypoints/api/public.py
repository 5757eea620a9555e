"""Response bodies of the collections API (`XPublic`): what `/openapi.json` promises each 2xx answers.

`extra="forbid"`: a view carrying a key its model does not declare fails the response
validation (a 500 in tests), so the models cannot silently fall behind the views.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from services.collections.domain.arrangements import Arrangement
from services.collections.domain.complaints import Complaint
from services.collections.domain.contact_points import ContactPoint
from services.collections.domain.legal import LegalAction, LegalStatus
from services.collections.domain.letters import Letter
from services.collections.domain.placements import Placement
from services.collections.domain.promises import PromiseStatus
from services.collections.domain.staging import Stage
from services.collections.domain.state import SpecialStatus
from shared.contracts.origination import Borrower, ContactPerson
from shared.money import Money


class Public(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PromisePublic(Public):
    """A promise to pay: amount by a date; `paid` is what came in by the deadline."""

    promise_id: str
    amount: Money
    promised_date: date
    made_on: date
    collector: str
    paid: Money
    status: PromiseStatus
    settled_on: date | None


class ScheduledActionPublic(Public):
    """A contact the escalation policy scheduled (done by the next contact on its channel)."""

    channel: str | None
    due: date
    rule_id: str
    template: str | None = None


class DisputePublic(Public):
    dispute_id: str
    reason: str
    opened_by: str


class TacticPublic(Public):
    """The recommended tactic for a behaviour tag (zh, en)."""

    behaviour: str
    label_zh: str
    zh: str  # the notes' steps (seed lines 156–221), one a line
    en: str
    steps_zh: list[str]
    steps_en: list[str]


class LetterPublic(Letter):
    """A letter sent on the case (挂号信 when registered) and what the post said of it: the case's own record."""

    model_config = ConfigDict(extra="forbid")


class PlacementPublic(Placement):
    """A placement with a collection agency: terms, what it recovered and the agency's fees, how it ended."""

    model_config = ConfigDict(extra="forbid")


class StatutePublic(Public):
    runs_from: date
    expires_on: date
    warned: bool
    expired: bool
    legal_action_allowed: bool


class GuidancePublic(Public):
    """DOMAIN.md §3: the recovery odds by age, and the full amount to ask for first."""

    recovery_odds: str
    ask_first: Money
    rule_zh: str  # ask for the full amount, never a part payment first: the notes' words (seed line 242)
    rule_en: str


class LegalActionPublic(LegalAction):
    """One step of the legal proceedings, in the order recorded (`recorded_by`: a person, or "policy")."""

    model_config = ConfigDict(extra="forbid")


class LegalPublic(Public):
    """The legal proceedings (issue 15): `status` none | referred | filed | payment_order | judgment |
    enforcement | closed; `in_legal` (referred or filed, not closed); `next`: the steps that may follow."""

    status: LegalStatus
    in_legal: bool
    actions: list[LegalActionPublic]
    costs_total: Money
    next: list[str]


class ContactPointPublic(ContactPoint):
    """A way to reach someone on the case; `value` masked (phones 138****5678, addresses' leading part)."""

    model_config = ConfigDict(extra="forbid")


class ContactPointAnswer(ContactPointPublic):
    case_id: str


class ComplaintFields(Complaint):
    """A complaint, apart from the debt: `collector` is the one complained about (collector_conduct)."""

    model_config = ConfigDict(extra="forbid")


class ComplaintPublic(ComplaintFields):
    case_id: str
    loan_id: str


class ComplaintsPage(Public):
    items: list[ComplaintPublic]
    next_cursor: str | None


class TimelineEntryPublic(Public):
    """One event of the case's stream."""

    sequence: int
    type: str
    time: datetime
    businessdate: date
    data: dict[str, Any]


class ArrangementFields(Arrangement):
    """An instalment plan or settlement (减免) on the case: instalments, waiver, the amount owed it covers,
    who proposed and approved it, its status (pending_approval, approved, rejected, broken, completed, declined).
    Declined: servicing could not honour it — `decline_reason` with `owed_now` (what the loan owed then) against
    `planned` (Σ instalments + waive as approved)."""

    model_config = ConfigDict(extra="forbid")
    waive: Money
    owed: Money
    recovered: Money
    owed_now: Money | None = None
    planned: Money | None = None


class ArrangementPublic(ArrangementFields):
    case_id: str
    loan_id: str


class ArrangementsPage(Public):
    items: list[ArrangementPublic]
    next_cursor: str | None


class CaseFields(Public):
    """What the list and the full view share."""

    case_id: str
    loan_id: str
    episode: int
    status: Literal["open", "closed"]
    arm: Literal["champion", "challenger"] = "champion"  # the policy arm the case follows (POLICY.md)
    stage: Stage
    queue: str
    assignee: str | None
    assigned_on: date | None = None  # business date of the latest assignment
    holders: list[str] = []  # every collector the case was given to (reassignment by age skips them)
    days_past_due: int
    amount_overdue: Money
    special_status: SpecialStatus
    tags: list[str]
    broken_promises: int
    opened_on: date
    resolution: str | None
    resolved_on: date | None
    last_contact_at: datetime | None
    last_contact_on: date | None  # business date of the last contact
    latest_reason: str | None  # why the borrower is late, by the latest contact that said
    invalid_address_visits: int  # visits to an address already marked invalid
    disputed: bool


class CaseSummaryPublic(CaseFields):
    """A case in a list or work queue; `promise_due` (queue only): a promise due today or earlier."""

    open_promise: PromisePublic | None
    open_complaints: int
    next_action: ScheduledActionPublic | None
    promise_due: bool | None = None
    borrower_name_masked: str | None = None  # 张** (the loan directory's borrower; None before loan.disbursed)
    borrower_phone_masked: str | None = None  # 138****5678


class CasePublic(CaseFields):
    """The full case: its state, the borrower, trace contacts, tactics, statute, guidance (and, read, its timeline)."""

    episode_key: date
    overdue_since: date
    principal_outstanding: Money
    special_path: str | None
    dispute: DisputePublic | None
    promises: list[PromisePublic]
    scheduled: list[ScheduledActionPublic]
    fired_rules: list[str]
    legal_referred: bool
    agency: str | None
    write_off_proposed: bool
    write_off_decided: bool
    statute_runs_from: date
    statute_warned: bool
    statute_expired: bool
    recovered: Money
    charges: dict[str, Money]
    letters: list[LetterPublic]
    placements: list[PlacementPublic]
    legal: LegalPublic
    tactics: list[TacticPublic]
    statute: StatutePublic
    guidance: GuidancePublic
    borrower: Borrower | None
    trace_contacts: list[ContactPerson]
    contact_points: list[ContactPointPublic]
    complaints: list[ComplaintFields]
    arrangements: list[ArrangementFields] = []
    interest_overdue: Money = Decimal("0.00")
    principal_overdue: Money | None = None  # servicing's overdue principal (None: not given)
    charges_outstanding: Money = Decimal("0.00")
    amount_owed: Money | None = None  # what an arrangement covers: principal + overdue interest + charges
    timeline: list[TimelineEntryPublic] | None = None


class CasesPage(Public):
    items: list[CaseSummaryPublic]
    next_cursor: str | None


# A command's answer: the case as it now is (without the timeline, which GET /cases/{id} adds).
CASE: dict[str, Any] = {"response_model": CasePublic, "response_model_exclude_unset": True}
