"""The review checklist beside an application's decision (pure): DOMAIN.md §1's rules read off
origination's application view, met, broken or still to do, and whether the viewer may take the step."""

from __future__ import annotations

from typing import Any

from services.workbench.domain.checklist import BROKEN, MET, OPEN, checklist

CONTACTS = [{"relation": r, "name": n, "phone": "139****0001"} for r, n in
            (("family", "周母"), ("other", "李友"), ("work", "王同事"))]


def filed(**over: Any) -> dict[str, Any]:
    """Filed by cm-li on 1 March: 20,000 unsecured, report supplied, no review yet."""
    return {"status": "submitted", "product": "credit", "amount": "20000.00", "submitted_by": "cm-li",
            "contacts": CONTACTS, "credit_report": {"max_overdue_months": 0}, "credit_report_source": "applicant",
            "reviews": [], "investigation_required": False, "investigation": None,
            "next_step": {"action": "review", "stage": "client_manager", "role": "client_manager"}, **over}


def first_review(*outcomes: str, stale: bool = False) -> dict[str, Any]:
    return {"stage": "client_manager", "reviewer": "cm-li", "decision": "approve", "stale": stale,
            "contact_verifications": [{"relation": r, "outcome": o} for r, o in
                                      zip(("family", "other", "work"), outcomes, strict=True)]}


def by_rule(app: dict[str, Any], person: str = "tm-sun") -> dict[str, Any]:
    return {c.rule: c for c in checklist(app, person)}


def test_a_new_application_waits_for_its_contacts_and_its_filer_may_do_the_first_review():
    checks = by_rule(filed(), "cm-li")
    assert (checks["contacts"].state, checks["contacts"].why) == (OPEN, "not_yet_verified")
    assert (checks["credit_report"].state, checks["credit_report"].values["months"]) == (MET, 0)
    assert "unchanged" not in checks, "nothing reviewed yet, nothing to have changed since"
    assert (checks["investigation"].state, checks["investigation"].why) == (MET, "not_required")
    assert (checks["duties"].state, checks["duties"].why) == (MET, "no_other_part")


def test_an_unreachable_contact_and_the_filer_at_the_re_review_are_broken_rules():
    app = filed(status="under_review", reviews=[first_review("confirmed", "unreachable", "confirmed")],
                next_step={"action": "review", "stage": "team_manager", "role": "team_manager"})
    checks = by_rule(app, "cm-li")
    assert checks["contacts"].state == BROKEN and checks["contacts"].values["doubtful"] == [("other", "unreachable")]
    assert (checks["duties"].state, checks["duties"].why) == (BROKEN, "filed_it"), "the filer, after the first stage"
    app["reviews"][0]["reviewer"] = "cm-2"
    assert by_rule(app, "cm-2")["duties"].why == "reviewed_a_stage", "one stage per person"
    assert by_rule(app, "cm-2")["duties"].values == {"stage": "team_manager", "earlier": "client_manager"}
    assert by_rule(app, "tm-sun")["duties"].state == MET
    assert by_rule(app)["unchanged"].state == MET


def test_a_three_month_overdue_and_an_amendment_after_the_review_are_flagged():
    app = filed(status="under_review", credit_report={"max_overdue_months": 3},
                reviews=[first_review("confirmed", "confirmed", "confirmed", stale=True)])
    checks = by_rule(app)
    assert (checks["credit_report"].state, checks["credit_report"].values) == (
        BROKEN, {"months": 3, "limit": 3, "source": "applicant"}), "3 months or more is a reason to reject"
    assert (checks["unchanged"].state, checks["unchanged"].values["stages"]) == (BROKEN, ["client_manager"])
    assert by_rule(filed(credit_report=None))["credit_report"].state == OPEN


def test_a_large_loan_needs_its_field_investigation_and_its_approver_may_not_investigate():
    reviews = [first_review("confirmed", "confirmed", "confirmed"),
               {"stage": "team_manager", "reviewer": "tm-wang", "decision": "approve", "stale": False},
               {"stage": "credit_manager", "reviewer": "crm-zhao", "decision": "approve", "stale": False}]
    app = filed(status="approved", amount="150000.00", investigation_required=True, reviews=reviews,
                next_step={"action": "investigation", "role": "team_manager"})
    checks = by_rule(app, "tm-sun")
    assert (checks["investigation"].state, checks["investigation"].why) == (OPEN, "required_missing")
    assert checks["duties"].state == MET
    assert (by_rule(app, "crm-zhao")["duties"].state, by_rule(app, "crm-zhao")["duties"].why) == (BROKEN, "approved_it")
    app["investigation"] = {"investigator": "tm-sun", "decision": "approve", "stale": True}
    app["next_step"] = {"action": "disbursement", "role": "credit_manager"}
    checks = by_rule(app)
    assert checks["investigation"].why == "investigation_stale" and checks["unchanged"].values["stages"] == [
        "investigation"]
    assert "duties" not in checks, "disbursement has no segregation rule of its own"


def test_mortgage_and_guaranteed_loans_show_their_security():
    assert by_rule(filed(product="mortgage", collateral={"lien_registration_number": "冀2026-001"}))[
        "collateral"].state == MET
    assert by_rule(filed(product="mortgage", collateral=None))["collateral"].state == BROKEN
    assert by_rule(filed(product="guaranteed", guarantor=None))["guarantor"].why == "guarantor_missing"
    assert "collateral" not in by_rule(filed()) and "guarantor" not in by_rule(filed())
