"""What people ask origination to do; `service_layer/handlers.py` carries each out in a unit of work."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from services.origination.domain.validation import Draft
from shared.contracts.origination import Applicant, ContactVerification, CreditReport
from shared.idempotency import IdempotencyKey
from shared.messagebus import Command

Answer = dict[str, Any]  # the JSON the API answers (replayed as is for an Idempotency-Key)


@dataclass(frozen=True)
class SubmitApplication(Command[Answer]):
    """File an application; answers `{id, status}` (with `reasons` when the credit rules reject it)."""

    draft: Draft
    submitted_by: str
    idempotency: IdempotencyKey | None = None


@dataclass(frozen=True)
class ReviewApplication(Command[Answer]):
    """One review at the next stage; answers the application's state."""

    application_id: str
    reviewer: str
    roles: frozenset[str]
    stage: str
    decision: str
    note: str | None = None
    verifications: list[ContactVerification] = field(default_factory=list)
    false_information: bool = False


@dataclass(frozen=True)
class InvestigateApplication(Command[Answer]):
    """The team manager's field investigation; answers the application's state."""

    application_id: str
    investigator: str
    findings: str
    decision: str
    false_information: bool = False


@dataclass(frozen=True)
class AmendApplication(Command[Answer]):
    """Changed applicant data or a newer credit report; answers the application's state."""

    application_id: str
    amended_by: str
    applicant: Applicant | None = None
    credit_report: CreditReport | None = None
    reason: str | None = None


@dataclass(frozen=True)
class DisburseApplication(Command[Answer]):
    """Re-check and pay out; answers `{loan_id, application_id, disbursement_date, due_day, principal}`."""

    application_id: str
    disbursed_by: str


@dataclass(frozen=True)
class RevealApplication(Command[Answer]):
    """A loan officer's look at the unmasked personal data, with the reason; answers the state unmasked."""

    application_id: str
    viewer: str
    roles: frozenset[str]
    reason: str


@dataclass(frozen=True)
class EraseBorrower(Command[Answer]):
    """Destroy a borrower's data key (crypto-shredding); answers `{borrower_id, status: erased, ...}`."""

    borrower_id: str
    erased_by: str


@dataclass(frozen=True)
class RevealIdentity(Command[Answer]):
    """A service asks for a borrower's full ID number and name for a stated purpose (a credit-bureau record)."""

    borrower_id: str
    caller: str
    roles: frozenset[str]
    purpose: str
    record: str
    loan_id: str | None = None
