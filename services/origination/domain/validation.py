"""Field-level validation of an application at intake (pure; the API turns problems into a 422)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from services.origination.domain.identity import id_number_problem, phone_problem
from services.origination.domain.products import ProductRules
from shared.contracts.origination import (
    Applicant,
    Collateral,
    ContactPerson,
    CreditAuthorisation,
    CreditReport,
    Guarantor,
)

RELATIONS = ("family", "other", "work")
MAX_ADDRESS = 200  # characters of an address, as written
MAX_NAME = 100
MAX_DOCUMENT_REF = 200


@dataclass(frozen=True)
class Draft:
    """What a client manager files: the application before credit rules are applied."""

    applicant: Applicant
    product: str
    amount: Decimal
    term_months: int
    annual_rate: Decimal
    repayment_method: str
    contacts: list[ContactPerson]
    credit_report: CreditReport | None = None
    collateral: Collateral | None = None
    guarantor: Guarantor | None = None
    due_day: int | None = None
    credit_authorisation: CreditAuthorisation | None = None


@dataclass
class Problems:
    """Collected field problems in the contract's `details` shape."""

    items: list[dict[str, Any]] = field(default_factory=list)

    def add(self, field_name: str, message: str, kind: str = "value_error") -> None:
        self.items.append({"field": field_name, "message": message, "type": kind})

    def fields(self) -> set[str]:
        return {i["field"] for i in self.items}


def validate_draft(draft: Draft, rules: ProductRules, business_date: date) -> list[dict[str, Any]]:
    """Every problem with a draft, field by field; empty when it may be filed.

    DOMAIN.md §1: three contacts (family, other, work); 18-digit ID numbers with the
    GB 11643 check digit; 11-digit mobiles; mortgages record the lien registration;
    guaranteed loans have a guarantor; credit loans have neither. A credit-bureau
    authorisation is signed on or before the business date.
    """
    p = Problems()
    _check_applicant(p, draft.applicant)
    _check_terms(p, draft, rules)
    _check_contacts(p, draft)
    _check_security(p, draft)
    if draft.due_day is not None and not 1 <= draft.due_day <= 28:
        p.add("due_day", "must be a day of month between 1 and 28")
    if draft.credit_report is not None and draft.credit_report.max_overdue_months < 0:
        p.add("credit_report.max_overdue_months", "must not be negative")
    if draft.credit_authorisation is not None:
        _check_authorisation(p, draft.credit_authorisation, business_date)
    return p.items


def amended_applicant_problems(applicant: Applicant, contacts: list[ContactPerson],
                               guarantor: Guarantor | None) -> list[dict[str, Any]]:
    """Every problem with changed applicant data: the intake rules on the applicant, its contacts
    and its guarantor, so an amendment cannot file what intake would have refused."""
    p = Problems()
    _check_applicant(p, applicant)
    for c in contacts:
        if c.phone == applicant.phone:
            p.add("applicant.phone", f"the {c.relation} contact has this phone: a contact must not be the applicant")
    if guarantor is not None and guarantor.id_number == applicant.id_number:
        p.add("applicant.id_number", "the guarantor must not be the applicant")
    return p.items


def _check_applicant(p: Problems, a: Applicant) -> None:
    check_person(p, "applicant", a.id_number, a.phone)
    if not a.name.strip():
        p.add("applicant.name", "must not be empty")
    if a.monthly_income < 0:
        p.add("applicant.monthly_income", "must not be negative")
    if a.addresses is not None:
        _check_text(p, "applicant.addresses.home", a.addresses.home, MAX_ADDRESS)
        _check_text(p, "applicant.addresses.work", a.addresses.work, MAX_ADDRESS)
    if a.employer is not None:
        _check_text(p, "applicant.employer.name", a.employer.name, MAX_NAME)
        _check_text(p, "applicant.employer.address", a.employer.address, MAX_ADDRESS)
        if a.employer.phone is not None and (why := phone_problem(a.employer.phone)):
            p.add("applicant.employer.phone", why)


def _check_text(p: Problems, field_name: str, value: str | None, limit: int) -> None:
    """An optional text: absent is fine; given, it is not blank and at most `limit` characters."""
    if value is None:
        return
    if not value.strip():
        p.add(field_name, "must not be blank (leave it out instead)")
    elif len(value) > limit:
        p.add(field_name, f"at most {limit} characters")


def _check_authorisation(p: Problems, auth: CreditAuthorisation, business_date: date) -> None:
    """The applicant signed it already: not after the business date, with a document to show."""
    if auth.signed_on > business_date:
        p.add("credit_authorisation.signed_on",
              f"signed on {auth.signed_on.isoformat()}, after the business date {business_date.isoformat()}")
    if not auth.document_ref.strip():
        p.add("credit_authorisation.document_ref", "must not be empty")
    elif len(auth.document_ref) > MAX_DOCUMENT_REF:
        p.add("credit_authorisation.document_ref", f"at most {MAX_DOCUMENT_REF} characters")


def check_person(p: Problems, prefix: str, id_number: str | None, phone: str) -> None:
    if id_number is not None and (why := id_number_problem(id_number)):
        p.add(f"{prefix}.id_number", why)
    if why := phone_problem(phone):
        p.add(f"{prefix}.phone", why)


def _check_terms(p: Problems, d: Draft, r: ProductRules) -> None:
    if d.amount <= 0:
        p.add("amount", "must be positive")
    elif d.amount != d.amount.quantize(Decimal("0.01")):
        p.add("amount", "at most two decimals (fen)")
    elif not r.min_amount <= d.amount <= r.max_amount:
        p.add("amount", f"{d.product} loans are between {r.min_amount} and {r.max_amount}")
    if not r.min_term_months <= d.term_months <= r.max_term_months:
        p.add("term_months", f"{d.product} loans run {r.min_term_months} to {r.max_term_months} months")
    if not r.min_annual_rate <= d.annual_rate <= r.max_annual_rate:
        p.add("annual_rate", f"{d.product} loans carry {r.min_annual_rate} to {r.max_annual_rate} a year")


def _check_contacts(p: Problems, d: Draft) -> None:
    counts: Counter[str] = Counter(c.relation for c in d.contacts)
    if len(d.contacts) != 3 or any(counts[r] != 1 for r in RELATIONS):
        p.add("contacts", "exactly one family, one other and one work contact", "contacts_error")
    for i, c in enumerate(d.contacts):
        if not c.name.strip():
            p.add(f"contacts.{i}.name", "must not be empty")
        if why := phone_problem(c.phone):
            p.add(f"contacts.{i}.phone", why)
        elif c.phone == d.applicant.phone:
            p.add(f"contacts.{i}.phone", "a contact must not be the applicant (same phone)")
        if c.name.strip() and c.name.strip() == d.applicant.name.strip() and c.phone == d.applicant.phone:
            p.add(f"contacts.{i}.name", "a contact must not be the applicant")
    phones = Counter(c.phone for c in d.contacts)
    for i, c in enumerate(d.contacts):
        if phones[c.phone] > 1 and f"contacts.{i}.phone" not in p.fields():
            p.add(f"contacts.{i}.phone", "each contact needs their own phone number")


def _check_security(p: Problems, d: Draft) -> None:
    if d.product == "mortgage":
        if d.collateral is None:
            p.add("collateral", "a mortgage needs collateral")
        elif not d.collateral.lien_registration_number.strip():
            p.add("collateral.lien_registration_number", "the lien registration (他项权登记) number is required")
    if d.product == "guaranteed":
        if d.guarantor is None:
            p.add("guarantor", "a guaranteed loan needs a guarantor")
        else:
            check_person(p, "guarantor", d.guarantor.id_number, d.guarantor.phone)
            if d.guarantor.id_number == d.applicant.id_number:
                p.add("guarantor.id_number", "the guarantor must not be the applicant")
    if d.product == "credit":
        if d.collateral is not None:
            p.add("collateral", "a credit loan is unsecured: no collateral")
        if d.guarantor is not None:
            p.add("guarantor", "a credit loan is unsecured: no guarantor")
