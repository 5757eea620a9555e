"""Request bodies of the origination API (field-level 422s come from these and the domain)."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from services.origination.domain.identity import normalise_id_number
from services.origination.domain.validation import Draft
from shared.contracts.origination import (
    Applicant,
    Collateral,
    ContactPerson,
    ContactVerification,
    CreditAuthorisation,
    CreditReport,
    Guarantor,
    Product,
    Relation,
    RepaymentMethod,
)
from shared.money import Money, Rate


class In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class AddressesIn(In):
    home: str | None = None
    work: str | None = None


class EmployerIn(In):
    name: str
    address: str | None = None
    phone: str | None = None


class ApplicantIn(In):
    name: str = Field(min_length=1, max_length=100)
    id_number: str
    phone: str
    monthly_income: Money
    region: str | None = None
    addresses: AddressesIn | None = None  # lengths, blanks and the employer's phone: checked by the domain
    employer: EmployerIn | None = None

    _norm = field_validator("id_number")(normalise_id_number)

    def model(self) -> Applicant:
        return Applicant(**self.model_dump())


class ContactIn(In):
    relation: Relation
    name: str = Field(min_length=1, max_length=100)
    phone: str


class CreditReportIn(BaseModel):
    model_config = ConfigDict(extra="allow")
    max_overdue_months: int = Field(ge=0, le=600)
    report_date: date | None = None


class CollateralIn(BaseModel):
    model_config = ConfigDict(extra="allow", str_strip_whitespace=True)
    description: str = Field(min_length=1)
    lien_registration_number: str = ""
    value: Money | None = None


class GuarantorIn(BaseModel):
    model_config = ConfigDict(extra="allow", str_strip_whitespace=True)
    name: str = Field(min_length=1, max_length=100)
    id_number: str
    phone: str

    _norm = field_validator("id_number")(normalise_id_number)


class CreditAuthorisationIn(In):
    signed_on: date
    document_ref: str


class ApplicationCreate(In):
    applicant: ApplicantIn
    product: Product
    amount: Money
    term_months: int
    annual_rate: Rate
    repayment_method: RepaymentMethod
    contacts: list[ContactIn] = Field(max_length=10)
    credit_report: CreditReportIn | None = None
    collateral: CollateralIn | None = None
    guarantor: GuarantorIn | None = None
    due_day: int | None = None
    credit_authorisation: CreditAuthorisationIn | None = None  # needed when the bureau is queried

    def draft(self) -> Draft:
        return Draft(
            applicant=self.applicant.model(), product=self.product, amount=self.amount,
            term_months=self.term_months, annual_rate=self.annual_rate, repayment_method=self.repayment_method,
            contacts=[ContactPerson(**c.model_dump()) for c in self.contacts],
            credit_report=CreditReport(**self.credit_report.model_dump()) if self.credit_report else None,
            collateral=Collateral(**self.collateral.model_dump()) if self.collateral else None,
            guarantor=Guarantor(**self.guarantor.model_dump()) if self.guarantor else None,
            due_day=self.due_day,
            credit_authorisation=(CreditAuthorisation(**self.credit_authorisation.model_dump())
                                  if self.credit_authorisation else None))


class ContactVerificationIn(In):
    relation: Relation
    outcome: Literal["confirmed", "unreachable", "inconsistent"]
    note: str | None = None


class ReviewCreate(In):
    stage: Literal["client_manager", "team_manager", "credit_manager"]
    decision: Literal["approve", "reject"]
    note: str | None = Field(None, max_length=2000)
    contact_verifications: list[ContactVerificationIn] = Field(default_factory=list, max_length=10)
    false_information: bool = False

    def verifications(self) -> list[ContactVerification]:
        return [ContactVerification(**v.model_dump()) for v in self.contact_verifications]


class InvestigationCreate(In):
    findings: str = Field(min_length=1, max_length=4000)
    decision: Literal["approve", "reject"]
    false_information: bool = False  # with reject: the applicant is blacklisted for good


class AmendmentCreate(In):
    applicant: ApplicantIn | None = None
    credit_report: CreditReportIn | None = None
    reason: str | None = Field(None, max_length=2000)
