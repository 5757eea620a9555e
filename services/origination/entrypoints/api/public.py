"""Response bodies of the origination API (`XPublic`): what `/openapi.json` promises each 2xx answers.

Applicant, contacts, credit report, collateral and guarantor are the event contracts' own parts
(ID numbers, phones and addresses masked unless revealed); routes answer with
`response_model_exclude_unset`, so a field the state does not have yet (`loan_id` before
disbursement, `reasons` unless rejected) is left out, not null.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

from shared.contracts.origination import (
    Applicant,
    Collateral,
    ContactPerson,
    ContactVerification,
    CreditAuthorisation,
    CreditReport,
    Guarantor,
    Product,
    RepaymentMethod,
    Stage,
)
from shared.money import Money, Rate

ApplicationStatus = Literal["submitted", "under_review", "approved", "rejected", "disbursed"]


class Public(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ApplicationFiled(Public):
    """201 to POST /applications."""

    id: str
    status: Literal["submitted", "rejected"]
    reasons: list[str] | None = None


class ReviewPublic(Public):
    stage: Stage
    decision: Literal["approve", "reject"]
    reviewer: str
    note: str | None
    contact_verifications: list[ContactVerification]
    stale: bool  # the data was amended after this review


class InvestigationPublic(Public):
    investigator: str
    findings: str
    decision: Literal["approve", "reject"]
    stale: bool


class NextStep(Public):
    action: Literal["review", "investigation", "disbursement"]
    role: str
    stage: Stage | None = None


class ApplicationPublic(Public):
    """An application's state rebuilt from its stream: reviews so far and the next required step."""

    id: str
    status: ApplicationStatus
    version: int
    revealed: bool  # true: ID numbers, phones and addresses unmasked (an audited reveal); else masked
    applicant: Applicant
    product: Product
    amount: Money
    term_months: int
    annual_rate: Rate
    repayment_method: RepaymentMethod
    due_day: int
    contacts: list[ContactPerson]
    credit_report: CreditReport | None
    credit_report_source: Literal["applicant", "bureau"] | None
    credit_authorisation: CreditAuthorisation | None = None
    collateral: Collateral | None
    guarantor: Guarantor | None
    submitted_by: str
    amendments: int
    reviews: list[ReviewPublic]
    investigation_required: bool
    investigation: InvestigationPublic | None
    next_step: NextStep | None
    reasons: list[str] | None = None
    rejected_at_stage: str | None = None
    blacklisted: bool | None = None
    loan_id: str | None = None
    disbursement_date: date | None = None
    borrower_id: str | None = None  # the borrower's data key (erasure); absent for applications filed before keys


class ApplicationSummary(Public):
    """One row of the applications list."""

    id: str
    status: ApplicationStatus
    product: Product
    amount: Money
    submitted_by: str
    next_stage: Stage | None
    loan_id: str | None
    version: int
    submitted_at: datetime
    updated_at: datetime


class ApplicationsPage(Public):
    items: list[ApplicationSummary]
    next_cursor: str | None


class DisbursementPublic(Public):
    """201 to POST /applications/{id}/disbursement: the loan servicing will open."""

    loan_id: str
    application_id: str
    disbursement_date: date
    due_day: int
    principal: Money


class BorrowerErasedPublic(Public):
    """200 to POST /borrowers/{id}/erasure: the borrower's key is destroyed (the same answer again after)."""

    borrower_id: str
    status: Literal["erased"]
    erased_on: date
    application_ids: list[str]
    loan_ids: list[str]


class BorrowerIdentityPublic(Public):
    """200 to GET /borrowers/{id}/identity (role `service`): the full ID number and name, access-audited."""

    borrower_id: str
    name: str
    id_number: str  # in full: only for the purpose named, recorded in origination's access audit
    application_id: str  # the application the identity is taken from (the loan's, else the latest)
    loan_id: str | None
    purpose: Literal["credit_bureau"]
    record: str


class DataKeyPublic(Public):
    key_id: str
    sealed: str | None  # the key sealed with LOANFLOW_SECRETS_KEY (bound to its id); null once erased
    erased: bool


class DataKeysPublic(Public):
    """The borrowers' keys another service asked for (ids origination does not know are left out)."""

    keys: list[DataKeyPublic]
