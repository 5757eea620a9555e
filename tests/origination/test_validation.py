"""Intake validation, field by field, without I/O."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.origination.domain.identity import check_digit
from services.origination.domain.products import DEFAULT_RULES, PRODUCTS
from services.origination.domain.validation import validate_draft

from .factory import application, mobile, to_draft

CREDIT = DEFAULT_RULES["credit"]
TODAY = date(2026, 3, 1)  # the business date


def fields(body):
    return {p["field"] for p in validate_draft(to_draft(body), DEFAULT_RULES[body["product"]], TODAY)}


@pytest.mark.parametrize("product", ["credit", "mortgage", "guaranteed"])
def test_a_complete_application_of_each_product_is_valid(product):
    assert fields(application(product)) == set()


@settings(deadline=None)
@given(st.decimals(min_value=CREDIT.min_amount, max_value=CREDIT.max_amount, places=2))
def test_any_amount_within_the_credit_limits_is_accepted(amount):
    assert "amount" not in fields(application(amount=str(amount)))


@settings(deadline=None)
@given(st.decimals(min_value=CREDIT.max_amount + Decimal("0.01"), max_value=Decimal("1e9"), places=2))
def test_amounts_above_the_product_limit_are_refused(amount):
    assert "amount" in fields(application(amount=str(amount)))


@settings(deadline=None)
@given(st.integers(min_value=-1000, max_value=400).filter(lambda t: not 3 <= t <= 36))
def test_terms_outside_the_product_limits_are_refused(term):
    assert fields(application(term_months=term)) == {"term_months"}


@settings(deadline=None)
@given(st.decimals(min_value=Decimal("0.2401"), max_value=Decimal("5"), places=4))
def test_rates_above_the_product_limit_are_refused(rate):
    assert fields(application(annual_rate=str(rate))) == {"annual_rate"}


@pytest.mark.parametrize("amount", ["0", "-100.00", "1000.005"])
def test_amounts_must_be_positive_with_at_most_two_decimals(amount):
    assert "amount" in fields(application(amount=amount))


def test_two_family_contacts_and_no_work_contact_is_refused():
    body = application()
    body["contacts"][2]["relation"] = "family"
    assert fields(body) == {"contacts"}


def test_only_two_contacts_is_refused():
    body = application()
    body["contacts"].pop()
    assert fields(body) == {"contacts"}


def test_a_contact_may_not_be_the_applicant():
    body = application()
    body["contacts"][1]["phone"] = body["applicant"]["phone"]
    assert "contacts.1.phone" in fields(body)


def test_contacts_need_their_own_phone_numbers():
    body = application()
    body["contacts"][2]["phone"] = body["contacts"][0]["phone"]
    assert {"contacts.0.phone", "contacts.2.phone"} <= fields(body)


@settings(deadline=None)
@given(st.integers(0, 2), st.from_regex(r"1[0-2]\d{9}|\d{1,10}", fullmatch=True))
def test_every_contact_phone_is_checked(i, phone):
    body = application()
    body["contacts"][i]["phone"] = phone
    assert f"contacts.{i}.phone" in fields(body)


def test_a_mortgage_needs_collateral_with_its_lien_registration():
    assert fields(application("mortgage", collateral=None)) == {"collateral"}
    body = application("mortgage")
    body["collateral"]["lien_registration_number"] = " "
    assert fields(body) == {"collateral.lien_registration_number"}


def test_a_guaranteed_loan_needs_a_valid_guarantor_other_than_the_applicant():
    assert fields(application("guaranteed", guarantor=None)) == {"guarantor"}
    body = application("guaranteed")
    body["guarantor"]["id_number"] = body["applicant"]["id_number"]
    assert fields(body) == {"guarantor.id_number"}
    body = application("guaranteed")
    body["guarantor"]["phone"] = "12345"
    assert fields(body) == {"guarantor.phone"}


def test_a_credit_loan_is_unsecured():
    body = application("credit", guarantor={"name": "赵磊", "id_number": "11010519491231002X", "phone": mobile(1)})
    assert fields(body) == {"guarantor"}


def test_due_day_is_a_day_every_month_has():
    assert fields(application(due_day=29)) == {"due_day"}
    assert fields(application(due_day=15)) == set()


def test_configured_limits_are_the_ones_applied():
    from dataclasses import replace

    tight = replace(CREDIT, max_amount=Decimal("20000"))
    problems = validate_draft(to_draft(application(amount="20000.01")), tight, TODAY)
    assert [p["field"] for p in problems] == ["amount"]
    assert "20000" in problems[0]["message"]


valid_ids = st.builds(lambda r, b, s: r + b + s, st.from_regex(r"[1-6]\d{5}", fullmatch=True),
                      st.dates(min_value=date(1940, 1, 1), max_value=date(2006, 12, 31)).map(
                          lambda d: d.strftime("%Y%m%d")),
                      st.from_regex(r"\d{3}", fullmatch=True)).map(lambda body: body + check_digit(body))
mobiles = st.from_regex(r"1[3-9]\d{9}", fullmatch=True)


@st.composite
def applications(draw):
    """Any well-formed application of any product, within that product's limits."""
    product = draw(st.sampled_from(PRODUCTS))
    r = DEFAULT_RULES[product]
    body = application(
        product, amount=str(draw(st.decimals(min_value=r.min_amount, max_value=r.max_amount, places=2))),
        term_months=draw(st.integers(r.min_term_months, r.max_term_months)),
        annual_rate=str(draw(st.decimals(min_value=r.min_annual_rate, max_value=r.max_annual_rate, places=4))),
        due_day=draw(st.none() | st.integers(1, 28)))
    ids = draw(st.lists(valid_ids, min_size=2, max_size=2, unique=True))
    phones = draw(st.lists(mobiles, min_size=5, max_size=5, unique=True))
    body["applicant"].update(id_number=ids[0], phone=phones[0])
    for contact, phone in zip(body["contacts"], phones[1:4], strict=True):
        contact["phone"] = phone
    body["contacts"] = draw(st.permutations(body["contacts"]))
    if product == "guaranteed":
        body["guarantor"].update(id_number=ids[1], phone=phones[4])
    return body


def flip_check_digit(body):
    valid = body["applicant"]["id_number"]
    body["applicant"]["id_number"] = valid[:17] + ("1" if valid[17] == "0" else "0")


def over_max(field, step):
    def change(body):
        limit = getattr(DEFAULT_RULES[body["product"]], f"max_{field}")
        body[field] = str(limit + step) if isinstance(limit, Decimal) else limit + step
    return change


CORRUPTIONS = {
    "applicant.id_number": flip_check_digit,
    "applicant.phone": lambda b: b["applicant"].update(phone=b["applicant"]["phone"][:10]),
    "amount": lambda b: over_max("amount", Decimal("0.01"))(b),
    "term_months": lambda b: over_max("term_months", 1)(b),
    "annual_rate": lambda b: over_max("annual_rate", Decimal("0.0001"))(b),
    "contacts.0.phone": lambda b: b["contacts"][0].update(phone=b["applicant"]["phone"]),
    "contacts": lambda b: b["contacts"][1].update(relation=b["contacts"][0]["relation"]),
}


@settings(deadline=None)
@given(applications())
def test_any_well_formed_application_is_valid(body):
    assert fields(body) == set()


@settings(deadline=None)
@given(applications(), st.sampled_from(sorted(CORRUPTIONS)))
def test_one_corrupted_field_is_reported_under_that_field_alone(body, field):
    CORRUPTIONS[field](body)
    assert fields(body) == {field}
