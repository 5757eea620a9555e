"""Request bodies of the collections API."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from services.collections.domain.tactics import Behaviour
from shared.money import Money

Outcome = Literal["right_party_contact", "no_answer", "third_party", "refused", "promise", "dispute",
                  "deceased_reported", "wrong_number", "notice_signed"]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PromiseCreate(Body):
    amount: Money
    promised_date: date


class ContactCreate(Body):
    channel: Literal["phone", "sms", "letter", "visit"]
    outcome: Outcome
    note: str | None = Field(None, max_length=2000)
    target: Literal["borrower", "family", "other", "work", "employer"] = "borrower"


class AssignBody(Body):
    collector: str = Field(min_length=1, max_length=100)
    queue: str | None = None
    reason: str | None = None


class EscalateBody(Body):
    reason: str = Field(min_length=1, max_length=500)
    to_stage: Literal["mid", "back"] | None = None


class TagBody(Body):
    behaviour: Behaviour
    reason: str | None = None


class NoteBody(Body):
    reason: str = Field(min_length=1, max_length=2000)


class DisputeResolve(Body):
    resolution: str = Field(min_length=1, max_length=2000)


class DeceasedVerification(Body):
    confirmed: bool
    evidence: str = Field(min_length=1, max_length=2000)


class DeceasedPath(Body):
    path: Literal["estate_repayment", "write_off"]
    note: str | None = None


class StatuteRestart(Body):
    kind: Literal["acknowledgement", "demand"]
    on: date
    evidence: str = Field(min_length=1, max_length=2000)
