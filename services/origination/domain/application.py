"""The loan application aggregate: state rebuilt from its events, commands that decide new ones.

DOMAIN.md §1: "three reviews in order: client manager, team manager, customer-service/credit
manager. Then a pre-disbursement re-check: if anything differs from what was reviewed,
disbursement is refused. Then disbursement."
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from services.origination.domain.credit import intake_rejection_reasons, overdue_reason, report_change
from services.origination.domain.errors import (
    DisbursementRefused,
    InvalidApplication,
    NotPermitted,
    UnknownApplication,
    WrongState,
)
from services.origination.domain.products import ProductRules
from services.origination.domain.validation import RELATIONS, Draft, amended_applicant_problems
from shared.contracts.origination import (
    Applicant,
    ApplicationAmended,
    ApplicationApproved,
    ApplicationInvestigated,
    ApplicationRejected,
    ApplicationReviewed,
    ApplicationSubmitted,
    Borrower,
    ContactVerification,
    CreditReport,
    LoanDisbursed,
)
from shared.contracts.registry import EventData
from shared.pii import mask_id_number

STAGES = ("client_manager", "team_manager", "credit_manager")
OPEN = ("submitted", "under_review", "approved")


@dataclass(frozen=True)
class Review:
    stage: str
    decision: str
    reviewer: str
    note: str | None
    contact_verifications: list[ContactVerification]
    data_version: int  # which amendment of the data this review saw


@dataclass(frozen=True)
class Investigation:
    investigator: str
    findings: str
    decision: str
    data_version: int = 0  # which amendment of the data the investigator saw


class Application:
    """One application's state, rebuilt from its stream."""

    def __init__(self, application_id: str) -> None:
        self.id = application_id
        self.status = "new"
        self.submitted: ApplicationSubmitted | None = None
        self.applicant: Applicant | None = None
        self.credit_report: CreditReport | None = None
        self.data_version = 0
        self.reviews: list[Review] = []
        self.investigation: Investigation | None = None
        self.rejection: ApplicationRejected | None = None
        self.disbursement: LoanDisbursed | None = None

    @classmethod
    def rebuild(cls, application_id: str, events: Iterable[EventData]) -> Application:
        app = cls(application_id)
        for e in events:
            app.apply(e)
        return app

    def apply(self, e: EventData) -> None:
        """Evolve the state by one past event."""
        if isinstance(e, ApplicationSubmitted):
            self.status, self.submitted = "submitted", e
            self.applicant, self.credit_report = e.applicant, e.credit_report
        elif isinstance(e, ApplicationReviewed):
            self.reviews.append(Review(e.stage, e.decision, e.reviewer, e.note, list(e.contact_verifications),
                                       self.data_version))
            self.status = "under_review"
        elif isinstance(e, ApplicationAmended):
            self.applicant = e.applicant or self.applicant
            self.credit_report = e.credit_report or self.credit_report
            self.data_version += 1
        elif isinstance(e, ApplicationInvestigated):
            self.investigation = Investigation(e.investigator, e.findings, e.decision, self.data_version)
        elif isinstance(e, ApplicationApproved):
            self.status = "approved"
        elif isinstance(e, ApplicationRejected):
            self.status, self.rejection = "rejected", e
        elif isinstance(e, LoanDisbursed):
            self.status, self.disbursement = "disbursed", e

    # ---- queries ------------------------------------------------------------------------------

    @property
    def next_stage(self) -> str | None:
        if self.status not in ("submitted", "under_review") or len(self.reviews) >= len(STAGES):
            return None
        return STAGES[len(self.reviews)]

    def reviewer_of(self, stage: str) -> str | None:
        return next((r.reviewer for r in self.reviews if r.stage == stage), None)

    @property
    def bureau_authorised(self) -> bool:
        """The applicant authorised credit-bureau queries (the re-check asks the bureau only then)."""
        return self.submitted is not None and self.submitted.credit_authorisation is not None

    def investigation_missing(self, rules: ProductRules) -> bool:
        assert self.submitted is not None
        return rules.needs_investigation(self.submitted.amount) and self.investigation is None

    # ---- commands -----------------------------------------------------------------------------

    @staticmethod
    def file(application_id: str, draft: Draft, report: CreditReport, report_source: str, submitted_by: str,
             blacklisted: bool) -> list[EventData]:
        """Intake: the application is submitted, and rejected at once if a credit rule says so."""
        submitted = ApplicationSubmitted(
            application_id=application_id, applicant=draft.applicant, product=draft.product,  # type: ignore[arg-type]
            amount=draft.amount, term_months=draft.term_months, annual_rate=draft.annual_rate,
            repayment_method=draft.repayment_method, contacts=draft.contacts,  # type: ignore[arg-type]
            credit_report=report, collateral=draft.collateral, guarantor=draft.guarantor,
            submitted_by=submitted_by, due_day=draft.due_day, credit_report_source=report_source,  # type: ignore[arg-type]
            credit_authorisation=draft.credit_authorisation)
        reasons = intake_rejection_reasons(report, blacklisted)
        if not reasons:
            return [submitted]
        return [submitted, ApplicationRejected(application_id=application_id, reasons=reasons, stage="intake")]

    def review(self, stage: str, decision: str, reviewer: str, roles: frozenset[str], note: str | None,
               verifications: list[ContactVerification], false_information: bool) -> list[EventData]:
        """A review at the next stage by someone holding its role who reviewed no earlier stage.

        DOMAIN.md §1: "Segregation of duties: the approver may not also be the marketer, the
        investigator or the collector of the same loan."
        """
        self._require_open("reviewed")
        if self.next_stage is None:
            raise WrongState("all three reviews are done", code="reviews_complete")
        if stage != self.next_stage:
            raise WrongState(f"the next review is the {self.next_stage} stage, not {stage}", code="wrong_stage")
        if stage not in roles:
            raise NotPermitted(f"the {stage} review needs the {stage} role", code="missing_role")
        self._check_segregation(stage, reviewer)
        self._check_review_input(stage, decision, verifications, false_information)
        reviewed = ApplicationReviewed(
            application_id=self.id, stage=stage, decision=decision, reviewer=reviewer,  # type: ignore[arg-type]
            note=note, contact_verifications=verifications, false_information=false_information)
        if decision == "reject":
            reason = "false information" if false_information else f"rejected at the {stage} review"
            reasons = [reason + (f": {note}" if note else "")]
            return [reviewed, ApplicationRejected(application_id=self.id, reasons=reasons, stage=stage,
                                                  rejected_by=reviewer, blacklisted=false_information)]
        if stage == STAGES[-1]:
            return [reviewed, ApplicationApproved(application_id=self.id, approved_by=reviewer)]
        return [reviewed]

    def investigate(self, investigator: str, findings: str, decision: str,
                    false_information: bool = False) -> list[EventData]:
        """The on-site credit investigation (实地征信) by a team manager; a reject is final.

        DOMAIN.md §1: "An applicant once rejected for false information is blacklisted for good":
        a reject for false information found on site blacklists, as a review's does.
        """
        self._require_open("investigated")
        if self.investigation is not None:
            raise WrongState("the field investigation is already recorded", code="already_investigated")
        if self.reviewer_of("credit_manager") == investigator:
            raise NotPermitted(f"{investigator} approved this application as credit manager and may not also "
                               "investigate it (segregation of duties)", code="segregation_of_duties")
        if false_information and decision != "reject":
            raise InvalidApplication("false information is a reason to reject", details=[
                {"field": "false_information", "message": "only with decision reject", "type": "value_error"}])
        done: list[EventData] = [ApplicationInvestigated(
            application_id=self.id, investigator=investigator, findings=findings, decision=decision)]  # type: ignore[arg-type]
        if decision == "reject":
            why = "false information found by the field investigation" if false_information else "field investigation"
            done.append(ApplicationRejected(application_id=self.id, reasons=[f"{why}: {findings}"],
                                            stage="investigation", rejected_by=investigator,
                                            blacklisted=false_information))
        return done

    def amend(self, by: str, applicant: Applicant | None, report: CreditReport | None, source: str | None,
              reason: str | None) -> list[EventData]:
        """Record changed applicant data or a newer credit report; reviews before it become stale."""
        self._require_open("amended")
        if applicant is None and report is None:
            raise InvalidApplication("nothing to amend", details=[
                {"field": "applicant", "message": "give applicant and/or credit_report", "type": "missing"}])
        if applicant is not None:
            assert self.submitted is not None
            if problems := amended_applicant_problems(applicant, self.submitted.contacts, self.submitted.guarantor):
                raise InvalidApplication("the amended applicant data is invalid", details=problems)
        return [ApplicationAmended(application_id=self.id, amended_by=by, applicant=applicant,
                                   credit_report=report, credit_report_source=source, reason=reason)]  # type: ignore[arg-type]

    def disburse(self, loan_id: str, by: str, business_date: date, rules: ProductRules,
                 bureau_report: CreditReport | None, blacklisted: bool) -> list[EventData]:
        """Pay out an approved application after the pre-disbursement re-check."""
        if self.status != "approved":
            self._require_open("disbursed")
            raise WrongState(f"the application is {self.status}, not approved: the {self.next_stage} review "
                             "comes first", code="not_approved")
        if self.investigation_missing(rules):
            raise WrongState(f"amounts above {rules.large_amount_threshold} need a field investigation by a "
                             "team manager before disbursement", code="investigation_required")
        s, a = self.submitted, self.applicant
        assert s is not None and a is not None
        reasons = self.recheck(bureau_report, blacklisted, investigation_required=rules.needs_investigation(s.amount))
        if reasons:
            raise DisbursementRefused("disbursement refused by the pre-disbursement re-check: " + "; ".join(reasons),
                                      details=[{"reason": r} for r in reasons])
        borrower = Borrower(name=a.name, id_number_masked=mask_id_number(a.id_number), phone=a.phone,
                            region=a.region or a.id_number[:6], addresses=a.addresses, employer=a.employer)
        return [LoanDisbursed(
            loan_id=loan_id, application_id=self.id, borrower=borrower, principal=s.amount,
            annual_rate=s.annual_rate, term_months=s.term_months, repayment_method=s.repayment_method,
            disbursement_date=business_date, due_day=s.due_day or rules.due_day, product=s.product,
            contacts=s.contacts, disbursed_by=by, guarantor=s.guarantor, collateral=s.collateral,
            credit_authorisation=s.credit_authorisation)]

    def recheck(self, bureau_report: CreditReport | None, blacklisted: bool, *,
                investigation_required: bool = False) -> list[str]:
        """DOMAIN.md §1: "if anything differs from what was reviewed, disbursement is refused".

        What was reviewed includes what the required field investigation verified on site.
        """
        reasons = [f"applicant data or credit report changed since the {r.stage} review"
                   for r in self.reviews if r.data_version != self.data_version]
        if investigation_required and self.investigation and self.investigation.data_version != self.data_version:
            reasons.append("applicant data or credit report changed since the field investigation")
        assert self.credit_report is not None
        if why := overdue_reason(self.credit_report):
            reasons.append(why)
        if blacklisted:
            reasons.append("applicant's ID number is now on the blacklist")
        if bureau_report is not None:
            if why := overdue_reason(bureau_report):
                reasons.append("credit bureau: " + why)
            elif change := report_change(self.credit_report, bureau_report):
                reasons.append("credit bureau: " + change)
        return reasons

    # ---- rules --------------------------------------------------------------------------------

    def _require_open(self, verb: str) -> None:
        if self.status == "new":
            raise UnknownApplication("no such application")
        if self.status == "rejected":
            raise WrongState(f"the application was rejected and cannot be {verb}: a rejection is final",
                             code="rejected")
        if self.status == "disbursed":
            assert self.disbursement is not None
            raise WrongState(f"the loan was already disbursed; the application cannot be {verb}",
                             code="disbursed", details=[{"loan_id": self.disbursement.loan_id}])

    def _check_segregation(self, stage: str, reviewer: str) -> None:
        for r in self.reviews:
            if r.reviewer == reviewer:
                raise NotPermitted(f"{reviewer} already reviewed this application at the {r.stage} stage; one "
                                   "person may not review two stages (segregation of duties)",
                                   code="segregation_of_duties")
        assert self.submitted is not None
        if stage != "client_manager" and reviewer == self.submitted.submitted_by:
            raise NotPermitted(f"{reviewer} filed this application and may not review it at the {stage} stage "
                               "(segregation of duties)", code="segregation_of_duties")
        if stage == "credit_manager" and self.investigation and self.investigation.investigator == reviewer:
            raise NotPermitted(f"{reviewer} investigated this application and may not approve it "
                               "(segregation of duties)", code="segregation_of_duties")

    @staticmethod
    def _check_review_input(stage: str, decision: str, verifications: list[ContactVerification],
                            false_information: bool) -> None:
        if false_information and decision != "reject":
            raise InvalidApplication("false information is a reason to reject", details=[
                {"field": "false_information", "message": "only with decision reject", "type": "value_error"}])
        if stage == "client_manager" and decision == "approve":
            relations = sorted(v.relation for v in verifications)
            if relations != sorted(RELATIONS):
                raise InvalidApplication("the client manager verifies the three contacts", details=[
                    {"field": "contact_verifications", "type": "value_error",
                     "message": "one verification each for the family, other and work contact"}])
        elif verifications and stage != "client_manager":
            raise InvalidApplication("contact verifications are recorded at the client_manager stage", details=[
                {"field": "contact_verifications", "message": "only at the client_manager stage",
                 "type": "value_error"}])
