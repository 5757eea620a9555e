"""Request bodies of the collections API."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from services.collections.domain.tactics import Behaviour
from shared.contracts.collections import (
    ComplaintCategory,
    DelinquencyReason,
    LegalOutcome,
    LegalRoute,
    PointKind,
    Recording,
    TargetKind,
)
from shared.money import Money

Outcome = Literal["right_party_contact", "no_answer", "third_party", "refused", "promise", "dispute",
                  "deceased_reported", "wrong_number", "notice_signed",
                  "met_borrower", "met_family", "address_invalid", "moved",  # these four: visits only
                  "switched_off", "busy", "not_in_service"]  # these three: calls only
TARGET_DOC = ("whom the contact reached: `borrower`, `guarantor` (a co-obligor: may be asked to pay), `family`, "
              "`work`, `other` (third parties: for locating the borrower only — a promise or a debt discussion "
              "with them is 409 `third_party_disclosure`), or a contact point id of the case")


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PromiseCreate(Body):
    amount: Money
    promised_date: date


class RecordingBody(Recording):
    """`{uri, duration_s, sha256}`: a URI with a scheme (s3://, https://, ...), seconds > 0, 64 hex digits."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class ContactCreate(Body):
    channel: Literal["phone", "sms", "letter", "visit"]
    outcome: Outcome
    note: str | None = Field(None, max_length=2000)
    target: str = Field("borrower", min_length=1, max_length=100, description=TARGET_DOC)
    reason: DelinquencyReason | None = Field(None, description="why the borrower is late, if the contact learned it")
    recording: RecordingBody | None = Field(None, description="the call's (or visit's) recording reference, for QA")
    follow_up_on: date | None = Field(None, description="when to follow up (the case's next action on this channel "
                                      "until the next contact on it); not before the business date, else 422 "
                                      "`follow_up_in_past`")


class ContactPointCreate(Body):
    kind: PointKind
    value: str = Field(min_length=1, max_length=300)
    relation: TargetKind = "borrower"
    source: str = Field("trace", min_length=1, max_length=100, description="where it was found, e.g. trace, "
                        "contact:<point id>, public_record")


class ContactPointStatus(Body):
    status: Literal["valid", "invalid"]
    reason: str = Field("marked_by_hand", min_length=1, max_length=200)


class ComplaintCreate(Body):
    category: ComplaintCategory
    description: str = Field(min_length=1, max_length=2000)
    owner: str | None = Field(None, min_length=1, max_length=100,
                              description="who handles it; default the supervisors of the case's queue")


class InstalmentBody(Body):
    due_date: date
    amount: Money


class ArrangementCreate(Body):
    kind: Literal["instalment_plan", "settlement"]
    instalments: list[InstalmentBody] = Field(min_length=1, max_length=120)
    waive: Money = Field(Decimal("0.00"), description="the amount waived (减免); 0.00 for a plan without one")


class ArrangementDecision(Body):
    reason: str | None = Field(None, max_length=2000)


class ArrangementReject(Body):
    reason: str = Field(min_length=1, max_length=2000)


class ComplaintResolve(Body):
    resolution: str = Field(min_length=1, max_length=2000)


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


class LegalActionCreate(Body):
    """A step of the legal proceedings (issue 15), in order: `referral` (by hand; the policy refers too) →
    `filing` (the court, its case number as `reference`, the fees as `cost`) → `payment_order` (支付令) or
    `judgment` → `enforcement` (强制执行) → `closed` (`outcome`, the `amount` recovered); `police_report`
    (经侦) on the fraud path at any point."""

    kind: Literal["referral", "filing", "payment_order", "judgment", "enforcement", "police_report", "closed"]
    on: date = Field(description="the day it happened (not after the business date, not before the step before)")
    reference: str | None = Field(None, min_length=1, max_length=100,
                                  description="the court's case number (案号) of a filing, or the document's number")
    court: str | None = Field(None, min_length=1, max_length=200)
    cost: Money | None = Field(None, description="what the step cost (court or enforcement fees), to the fen")
    amount: Money | None = Field(None, description="ordered or awarded; recovered (enforcement, closed)")
    outcome: LegalOutcome | None = Field(None, description="how the proceedings ended (`closed` only)")
    route: LegalRoute | None = Field(None, description="a referral's intended route")
    note: str | None = Field(None, max_length=2000)
