"""The escalation policy as data: rules mapping case conditions to actions.

DOMAIN.md §3: "Channels: phone, letter, field visit, legal ... a broken promise escalates."
Rules are evaluated in file order; every rule whose trigger and conditions match fires
and is recorded as `collections.policy.decided` naming it. Cases in dispute get no
decisions (ordinary treatment is paused), nor do cases whose borrower keeps to an approved
arrangement (issue 15: no demands while the plan holds; it resumes when it breaks); cases on
a special path (fraud, deceased) are matched only by rules that name that special status.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from services.collections.domain.staging import Stage
from shared.contracts.collections import LetterTemplate
from shared.money import Money

Trigger = Literal["case_opened", "stage_changed", "promise_broken", "tagged", "special_status_changed",
                  "day_closed", "dispute_resolved"]
ORDINARY_STATUSES = ("none", "unreachable")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AssignQueue(_Strict):
    type: Literal["assign_queue"]
    queue: str


class ScheduleContact(_Strict):
    type: Literal["schedule_contact"]
    channel: Literal["phone", "sms", "letter", "visit"]
    in_days: int = Field(0, ge=0)


class SendLetter(_Strict):
    type: Literal["send_letter"]
    template: LetterTemplate = "demand_notice"
    registered: bool = True


class FieldVisit(_Strict):
    type: Literal["field_visit"]
    in_days: int = Field(0, ge=0)


class ReferLegal(_Strict):
    type: Literal["refer_legal"]
    route: Literal["payment_order", "lawsuit", "enforcement", "police"] = "payment_order"


class PlaceWithAgency(_Strict):
    type: Literal["place_with_agency"]
    agency: str = "default"


class ProposeWriteOff(_Strict):
    type: Literal["propose_write_off"]


class EscalateStage(_Strict):
    type: Literal["escalate_stage"]


Action = Annotated[AssignQueue | ScheduleContact | SendLetter | FieldVisit | ReferLegal | PlaceWithAgency
                   | ProposeWriteOff | EscalateStage, Field(discriminator="type")]


class Conditions(_Strict):
    """All given conditions must hold (absent = any)."""

    stage: list[Stage] | None = None
    dpd_min: int | None = None
    dpd_max: int | None = None
    broken_promises_min: int | None = None
    tags_any: list[str] | None = None
    amount_min: Money | None = None
    amount_max: Money | None = None
    special_status: list[Literal["none", "deceased_reported", "deceased_verified", "fraud", "unreachable"]] | None \
        = None
    statute_expired: bool | None = None


class Rule(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    description: str = ""
    triggers: list[Trigger] = Field(min_length=1)
    when: Conditions = Conditions()
    then: list[Action] = Field(min_length=1)
    once: bool = False  # fire at most once per case


class Policy(_Strict):
    version: str
    description: str = ""
    rules: list[Rule]

    @model_validator(mode="after")
    def _unique_ids(self) -> Policy:
        ids = [r.id for r in self.rules]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"rule ids must be unique: {dupes}")
        return self


@dataclass(frozen=True)
class CaseFacts:
    """What the policy may look at on a case."""

    stage: Stage
    days_past_due: int
    broken_promises: int
    tags: frozenset[str]
    amount_overdue: Decimal
    special_status: str
    statute_expired: bool
    disputed: bool
    fired_rules: frozenset[str]
    under_arrangement: bool = False  # an approved arrangement holds (domain/arrangements.py)


@dataclass(frozen=True)
class Decision:
    rule_id: str
    actions: list[dict[str, Any]]
    trigger: str


def matches(conditions: Conditions, facts: CaseFacts) -> bool:
    """Whether every condition given holds for the case."""
    c = conditions
    checks = [
        c.stage is None or facts.stage in c.stage,
        c.dpd_min is None or facts.days_past_due >= c.dpd_min,
        c.dpd_max is None or facts.days_past_due <= c.dpd_max,
        c.broken_promises_min is None or facts.broken_promises >= c.broken_promises_min,
        c.tags_any is None or bool(facts.tags.intersection(c.tags_any)),
        c.amount_min is None or facts.amount_overdue >= c.amount_min,
        c.amount_max is None or facts.amount_overdue <= c.amount_max,
        c.statute_expired is None or facts.statute_expired == c.statute_expired,
    ]
    if c.special_status is None:
        checks.append(facts.special_status in ORDINARY_STATUSES)
    else:
        checks.append(facts.special_status in c.special_status)
    return all(checks)


def evaluate(policy: Policy, facts: CaseFacts, trigger: str) -> list[Decision]:
    """The decisions the policy takes on a case for a trigger, in rule order."""
    if facts.disputed or facts.under_arrangement:
        return []
    return [
        Decision(rule.id, [a.model_dump(mode="json") for a in rule.then], trigger)
        for rule in policy.rules
        if trigger in rule.triggers and not (rule.once and rule.id in facts.fired_rules) and matches(rule.when, facts)
    ]
