"""The loan officers' forms (pure: no services, no I/O): dotted input names to origination's JSON
body, its 422 details back to the inputs, and the three reviews in order."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from services.origination.domain.credit import intake_rejection_reasons, overdue_reason, report_change
from services.workbench.domain.applications import (
    FORM_DEFAULTS,
    INTAKE_INPUTS,
    body_from_form,
    field_errors,
    parse_reason,
    review_steps,
    unplaced,
)
from services.workbench.entrypoints.web.field_words import reason_text
from services.workbench.i18n import load_catalogs
from shared.contracts.origination import CreditReport

TEMPLATES = Path(__file__).resolve().parents[2] / "services" / "workbench" / "templates"


def test_dotted_names_become_the_nested_body_with_lists_in_index_order():
    form = {"applicant.name": "张三", "applicant.monthly_income": "8000.00", "product": "guaranteed",
            "contacts.1.relation": "other", "contacts.0.relation": "family", "contacts.0.phone": "13900000001",
            "contacts.2.relation": "work", "guarantor.id_number": "11010519491231002X",
            "credit_report.max_overdue_months": "0", "contact_verifications.0.outcome": "confirmed"}
    body = body_from_form(form)
    assert body["applicant"] == {"name": "张三", "monthly_income": "8000.00"}
    assert body["contacts"] == [{"relation": "family", "phone": "13900000001"}, {"relation": "other"},
                                {"relation": "work"}]
    assert body["guarantor"] == {"id_number": "11010519491231002X"}
    assert body["credit_report"] == {"max_overdue_months": "0"}
    assert body["contact_verifications"] == [{"outcome": "confirmed"}]
    assert body["product"] == "guaranteed"


def test_odd_names_cannot_break_the_body():
    body = body_from_form({"contacts.99.name": "x", "a..b": "y", ".x": "z", "applicant": "flat",
                           "applicant.name": "李四", "contacts.3.name": "fourth"})
    assert body == {"applicant": {"name": "李四"}, "contacts": [{"name": "fourth"}]}, \
        "an index past the API's limit and empty parts are dropped; the nested value wins over a flat one"
    assert body_from_form({}) == {}


def test_the_apis_422_details_are_filed_under_the_inputs_they_name():
    details = [{"field": "applicant.id_number", "message": "check digit does not match (GB 11643)",
                "type": "value_error"},
               {"field": "contacts.2.phone", "message": "must be an 11-digit mainland mobile number starting 13-19",
                "type": "value_error"},
               {"field": "contacts", "message": "exactly one family, one other and one work contact",
                "type": "contacts_error"},
               {"field": "due_day", "message": "must be a day of month between 1 and 28", "type": "value_error"},
               {"loc": ["body", "amount"], "msg": "Input should be a valid decimal", "type": "decimal_parsing"},
               "not a mapping"]
    errors = field_errors(details)
    assert errors["applicant.id_number"][0]["message"].startswith("check digit")
    assert set(errors) == {"applicant.id_number", "contacts.2.phone", "contacts", "due_day", "amount"}
    assert errors["amount"] == [{"message": "Input should be a valid decimal", "type": "decimal_parsing"}]
    assert set(unplaced(errors)) == {"due_day"}, "only what the form has no place for is listed at the top"


def test_every_intake_input_is_on_the_form_and_the_defaults_name_real_inputs():
    html = (TEMPLATES / "application_new.html").read_text()
    direct = set(re.findall(r'field\("([a-z_.]+)"', html)) | set(re.findall(r'choice\("([a-z_.]+)"', html))
    looped = {f"contacts.{i}.{part}" for i in range(3) for part in ("relation", "name", "phone")}
    assert {n for n in INTAKE_INPUTS if not n.startswith("contacts.")} == direct
    assert looped <= INTAKE_INPUTS and set(FORM_DEFAULTS) <= INTAKE_INPUTS


def review(stage: str, who: str, decision: str = "approve", stale: bool = False) -> dict:
    return {"stage": stage, "reviewer": who, "decision": decision, "stale": stale, "note": None,
            "contact_verifications": []}


def test_three_reviews_in_order_with_who_did_each_and_what_is_next():
    app = {"status": "under_review", "reviews": [review("client_manager", "cm-wang")],
           "next_step": {"action": "review", "stage": "team_manager", "role": "team_manager"}}
    steps = review_steps(app)
    assert [(s.stage, s.state) for s in steps] == [("client_manager", "done"), ("team_manager", "next"),
                                                   ("credit_manager", "waiting")]
    assert steps[0].review is not None and steps[0].review["reviewer"] == "cm-wang"


def test_a_rejection_stops_the_line_and_an_amendment_marks_reviews_stale():
    rejected = {"status": "rejected", "next_step": None,
                "reviews": [review("client_manager", "a"), review("team_manager", "b", "reject")]}
    assert [s.state for s in review_steps(rejected)] == ["done", "rejected", "skipped"]
    amended = {"status": "approved", "next_step": {"action": "disbursement", "role": "credit_manager"},
               "reviews": [review("client_manager", "a", stale=True), review("team_manager", "b"),
                           review("credit_manager", "c")]}
    assert [s.state for s in review_steps(amended)] == ["stale", "done", "done"]


def test_origination_reasons_are_said_in_the_readers_language_unknown_ones_as_written():
    zh = load_catalogs()["zh"].gettext
    stage = {"client_manager": "客户经理初审", "team_manager": "团队经理复审"}.get
    # The sentences origination writes (its own functions, so a change of wording there fails here).
    bureau = CreditReport(max_overdue_months=4, report_date=date(2026, 2, 20))
    texts = [
        *intake_rejection_reasons(bureau, blacklisted=True),
        "credit bureau: " + str(overdue_reason(bureau)),
        "credit bureau: " + str(report_change(CreditReport(max_overdue_months=0), CreditReport(max_overdue_months=2))),
        "applicant data or credit report changed since the team_manager review",
        "rejected at the client_manager review: 收入证明不实",
        "something origination says one day",
    ]
    said = [reason_text(parse_reason(t), zh, lambda s: stage(s) or s) for t in texts]
    assert said == [
        "申请人身份证号在黑名单中",
        "征信报告显示逾期 4 个月（3个月及以上）",
        "征信中心：报告显示逾期 4 个月（3个月及以上）",
        "征信中心：审查后最长逾期由 0 个月变为 2 个月",
        "团队经理复审后，申请人资料或征信报告有变更",
        "客户经理初审未通过：收入证明不实",
        "something origination says one day",
    ]
