"""The application aggregate's rules, told as stories, without I/O."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from services.origination.domain.application import Application
from services.origination.domain.errors import DisbursementRefused, InvalidApplication, NotPermitted, WrongState
from services.origination.domain.products import DEFAULT_RULES
from shared.contracts.origination import ApplicationRejected, ContactVerification, CreditReport, LoanDisbursed

from .factory import VERIFIED, application, to_draft

CREDIT = DEFAULT_RULES["credit"]
CHECKED = [ContactVerification(**v) for v in VERIFIED]
CM, TM, CR = frozenset({"client_manager"}), frozenset({"team_manager"}), frozenset({"credit_manager"})


def filed(amount="50000.00", overdue=0, blacklisted=False):
    body = application(amount=amount)
    body["credit_report"]["max_overdue_months"] = overdue
    events = Application.file("app-1", to_draft(body), to_draft(body).credit_report, "applicant", "alice",
                              blacklisted)
    return Application.rebuild("app-1", events), events


def reviewed(app, *steps):
    for stage, who, roles in steps:
        for e in app.review(stage, "approve", who, roles, None, CHECKED if stage == "client_manager" else [], False):
            app.apply(e)
    return app


def approved(amount="50000.00"):
    app, _ = filed(amount)
    return reviewed(app, ("client_manager", "alice", CM), ("team_manager", "bob", TM),
                    ("credit_manager", "carol", CR))


def test_an_overdue_of_three_months_rejects_the_application_at_intake():
    app, events = filed(overdue=3)
    assert app.status == "rejected"
    assert isinstance(events[-1], ApplicationRejected)
    assert "overdue of 3 months" in events[-1].reasons[0]


def test_an_overdue_of_two_months_is_accepted_for_review():
    app, _ = filed(overdue=2)
    assert (app.status, app.next_stage) == ("submitted", "client_manager")


def test_a_blacklisted_applicant_is_rejected_at_intake():
    app, events = filed(blacklisted=True)
    assert app.status == "rejected" and "blacklist" in events[-1].reasons[0]


def test_three_reviews_in_order_approve_the_application():
    app = approved()
    assert app.status == "approved"
    assert [r.stage for r in app.reviews] == ["client_manager", "team_manager", "credit_manager"]


def test_reviews_go_in_order():
    app, _ = filed()
    with pytest.raises(WrongState, match="client_manager"):
        app.review("team_manager", "approve", "bob", TM, None, [], False)


def test_the_stage_needs_its_role():
    app, _ = filed()
    with pytest.raises(NotPermitted) as refused:
        app.review("client_manager", "approve", "bob", TM, None, CHECKED, False)
    assert refused.value.code == "missing_role"


def test_one_person_may_not_review_two_stages():
    app = reviewed(filed()[0], ("client_manager", "alice", CM))
    with pytest.raises(NotPermitted) as refused:
        app.review("team_manager", "approve", "alice", CM | TM, None, [], False)
    assert refused.value.code == "segregation_of_duties"
    assert "already reviewed this application at the client_manager stage" in refused.value.message


def test_the_client_manager_verifies_all_three_contacts():
    app, _ = filed()
    with pytest.raises(InvalidApplication):
        app.review("client_manager", "approve", "alice", CM, None, CHECKED[:2], False)


def test_a_rejection_is_final():
    app, _ = filed()
    for e in app.review("client_manager", "reject", "alice", CM, "income not plausible", [], False):
        app.apply(e)
    assert app.rejection is not None and not app.rejection.blacklisted
    with pytest.raises(WrongState, match="final"):
        app.review("team_manager", "approve", "bob", TM, None, [], False)


def test_a_rejection_for_false_information_blacklists():
    app, _ = filed()
    events = app.review("client_manager", "reject", "alice", CM, "forged payslip", [], True)
    assert events[-1].blacklisted and events[-1].reasons == ["false information: forged payslip"]


def test_a_large_amount_needs_a_field_investigation_before_disbursement():
    app = approved("150000.00")
    with pytest.raises(WrongState) as refused:
        app.disburse("loan-1", "carol", date(2026, 3, 1), CREDIT, None, False)
    assert refused.value.code == "investigation_required"
    for e in app.investigate("dave", "visited home and workplace", "approve"):
        app.apply(e)
    assert isinstance(app.disburse("loan-1", "carol", date(2026, 3, 1), CREDIT, None, False)[0], LoanDisbursed)


def test_data_amended_after_the_field_investigation_refuses_disbursement():
    app, _ = filed("150000.00")
    for e in app.investigate("dave", "visited home and workplace", "approve"):
        app.apply(e)
    assert app.applicant is not None
    moved = app.applicant.model_copy(update={"region": "上海市浦东新区"})
    for e in app.amend("alice", moved, None, None, "moved house after the visit"):
        app.apply(e)
    reviewed(app, ("client_manager", "alice", CM), ("team_manager", "bob", TM), ("credit_manager", "carol", CR))
    with pytest.raises(DisbursementRefused) as refused:
        app.disburse("loan-1", "carol", date(2026, 3, 1), CREDIT, None, False)
    reason = "applicant data or credit report changed since the field investigation"
    assert refused.value.details == [{"reason": reason}]


def test_an_investigation_the_amount_does_not_need_does_not_hold_up_disbursement():
    app, _ = filed("50000.00")
    for e in app.investigate("dave", "visited anyway", "approve"):
        app.apply(e)
    assert app.applicant is not None
    for e in app.amend("alice", app.applicant.model_copy(update={"region": "上海市浦东新区"}), None, None, "moved"):
        app.apply(e)
    reviewed(app, ("client_manager", "alice", CM), ("team_manager", "bob", TM), ("credit_manager", "carol", CR))
    assert isinstance(app.disburse("loan-1", "carol", date(2026, 3, 1), CREDIT, None, False)[0], LoanDisbursed)


def test_the_approver_may_not_be_the_investigator():
    app = approved("150000.00")
    with pytest.raises(NotPermitted):
        app.investigate("carol", "visited", "approve")


def test_disbursement_carries_what_servicing_and_collections_need():
    app = approved()
    (loan,) = app.disburse("loan-1", "carol", date(2026, 3, 1), replace(CREDIT, due_day=20), None, False)
    assert loan.principal == Decimal("50000.00") and loan.due_day == 20
    assert loan.disbursement_date == date(2026, 3, 1)
    assert loan.borrower.id_number_masked.startswith("110105") and "*" in loan.borrower.id_number_masked
    assert {c.relation for c in loan.contacts} == {"family", "other", "work"}


def test_a_newer_bureau_report_with_a_three_month_overdue_refuses_disbursement():
    app = approved()
    newer = CreditReport(max_overdue_months=3, report_date=date(2026, 3, 1))
    with pytest.raises(DisbursementRefused) as refused:
        app.disburse("loan-1", "carol", date(2026, 3, 1), CREDIT, newer, False)
    assert "overdue of 3 months" in refused.value.message


def test_data_amended_after_the_reviews_refuses_disbursement():
    app = approved()
    assert app.applicant is not None
    for e in app.amend("alice", app.applicant.model_copy(update={"phone": "13700000001"}), None, None, "new phone"):
        app.apply(e)
    with pytest.raises(DisbursementRefused) as refused:
        app.disburse("loan-1", "carol", date(2026, 3, 1), CREDIT, None, False)
    assert len(refused.value.details) == 3


def test_a_loan_is_disbursed_once():
    app = approved()
    for e in app.disburse("loan-1", "carol", date(2026, 3, 1), CREDIT, None, False):
        app.apply(e)
    with pytest.raises(WrongState, match="already disbursed"):
        app.disburse("loan-2", "carol", date(2026, 3, 1), CREDIT, None, False)


def test_a_negative_field_investigation_rejects_for_good():
    app, _ = filed("150000.00")
    for e in app.investigate("dave", "the workplace does not exist", "reject"):
        app.apply(e)
    assert app.status == "rejected" and app.rejection is not None
    assert app.rejection.reasons == ["field investigation: the workplace does not exist"]
    with pytest.raises(WrongState):
        app.review("client_manager", "approve", "alice", CM, None, CHECKED, False)
