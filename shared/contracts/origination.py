"""Events published by origination on `loanflow.origination` (key: application id, then loan id)."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from shared.contracts.registry import EventData, event, upcaster
from shared.money import Money, Rate
from shared.pii import mask_id_number

Product = Literal["credit", "mortgage", "guaranteed"]
RepaymentMethod = Literal["equal_installment", "equal_principal", "interest_only"]
Relation = Literal["family", "other", "work"]
Stage = Literal["client_manager", "team_manager", "credit_manager"]


class Part(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class Addresses(Part):
    """Where the applicant lives and works (free text, as written on the application)."""

    home: str | None = None
    work: str | None = None


class Employer(Part):
    name: str
    address: str | None = None
    phone: str | None = None


class Applicant(Part):
    name: str
    id_number: str
    phone: str
    monthly_income: Money
    region: str | None = None
    addresses: Addresses | None = None  # second round: contact points collectors may need later
    employer: Employer | None = None


class CreditAuthorisation(Part):
    """The applicant's signed authorisation to query the credit bureau (DOMAIN.md §1)."""

    signed_on: date
    document_ref: str


class ContactPerson(Part):
    relation: Relation
    name: str
    phone: str


class CreditReport(Part):
    model_config = ConfigDict(extra="allow", frozen=True)
    max_overdue_months: int
    report_date: date | None = None


class Collateral(Part):
    model_config = ConfigDict(extra="allow", frozen=True)
    description: str
    lien_registration_number: str
    value: Money | None = None


class Guarantor(Part):
    model_config = ConfigDict(extra="allow", frozen=True)
    name: str
    id_number: str
    phone: str


def _mask_applicant(applicant: dict[str, Any]) -> dict[str, Any]:
    return {**applicant, "id_number": mask_id_number(applicant["id_number"])}


def _mask_guarantor(guarantor: dict[str, Any]) -> dict[str, Any]:
    return {**guarantor, "id_number": mask_id_number(guarantor["id_number"])}


@event("loan.application.submitted")
class ApplicationSubmitted(EventData):
    application_id: str
    applicant: Applicant
    product: Product
    amount: Money
    term_months: int
    annual_rate: Rate
    repayment_method: RepaymentMethod
    contacts: list[ContactPerson]
    credit_report: CreditReport
    collateral: Collateral | None = None
    guarantor: Guarantor | None = None
    submitted_by: str
    due_day: int | None = None  # day of month installments fall due; None: the product's default
    credit_report_source: Literal["applicant", "bureau"] = "applicant"
    credit_authorisation: CreditAuthorisation | None = None
    masked_on_publish = {"applicant": _mask_applicant, "guarantor": _mask_guarantor}


@event("loan.application.amended")
class ApplicationAmended(EventData):
    """The applicant's data or credit report changed after intake (reviews before it are stale)."""

    application_id: str
    amended_by: str
    applicant: Applicant | None = None
    credit_report: CreditReport | None = None
    credit_report_source: Literal["applicant", "bureau"] | None = None
    reason: str | None = None
    masked_on_publish = {"applicant": _mask_applicant}


class ContactVerification(Part):
    relation: Relation
    outcome: str  # e.g. confirmed | unreachable | inconsistent
    note: str | None = None


@event("loan.application.reviewed")
class ApplicationReviewed(EventData):
    application_id: str
    stage: Stage
    decision: Literal["approve", "reject"]
    reviewer: str
    note: str | None = None
    contact_verifications: list[ContactVerification] = []
    false_information: bool = False


@event("loan.application.investigated")
class ApplicationInvestigated(EventData):
    application_id: str
    investigator: str
    findings: str
    decision: Literal["approve", "reject"]


@event("loan.application.approved")
class ApplicationApproved(EventData):
    application_id: str
    approved_by: str


@event("loan.application.rejected")
class ApplicationRejected(EventData):
    application_id: str
    reasons: list[str]
    stage: str | None = None
    rejected_by: str | None = None
    blacklisted: bool = False


class Borrower(Part):
    name: str
    id_number_masked: str
    phone: str
    region: str | None = None
    addresses: Addresses | None = None  # v2
    employer: Employer | None = None  # v2


@event("loan.disbursed", version=2)
class LoanDisbursed(EventData):
    """A loan paid out. v2 adds the contact points and security collectors work with: the
    borrower's addresses and employer, the guarantor (a co-obligor, ID number masked on the topic),
    the collateral and the credit-bureau authorisation; v1 events are upcast with these null."""

    loan_id: str
    application_id: str
    borrower: Borrower
    principal: Money
    annual_rate: Rate
    term_months: int
    repayment_method: RepaymentMethod
    disbursement_date: date
    due_day: int
    product: Product
    contacts: list[ContactPerson]
    disbursed_by: str
    guarantor: Guarantor | None = None
    collateral: Collateral | None = None
    credit_authorisation: CreditAuthorisation | None = None
    masked_on_publish = {"guarantor": _mask_guarantor}


@upcaster("loan.disbursed", 1)
def loan_disbursed_v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
    """v1 carried the borrower's name, masked ID, phone and region, the three contacts and the terms.

    What v2 added was not recorded then: the borrower's addresses and employer, the guarantor, the
    collateral and the authorisation are null (unknown), never invented.
    """
    borrower = {**data["borrower"], "addresses": None, "employer": None} if data.get("borrower") else None
    return {**data, "borrower": borrower, "guarantor": None, "collateral": None, "credit_authorisation": None}


@event("loan.borrower.erased")
class BorrowerErased(EventData):
    """A borrower's data key was destroyed (issue 16, crypto-shredding): every personal field sealed with
    it now reads "erased". Each service destroys its copy of the key (idempotent: erasing twice is once)."""

    borrower_id: str  # the data key id (`bk_...`)
    erased_by: str
    erased_on: date  # business date
    application_ids: list[str]
    loan_ids: list[str]
