"""Contact points, consent and masking in the domain, and loan.disbursed v2 against v1 events, without I/O."""

from __future__ import annotations

from datetime import date

import pytest

from services.origination.domain.application import Application
from services.origination.domain.credit import require_bureau_authorisation
from services.origination.domain.errors import AuthorisationRequired
from services.origination.domain.personal import mask_address, masked_person
from services.origination.domain.products import DEFAULT_RULES
from services.origination.domain.validation import validate_draft
from shared.contracts import CloudEvent, parse_data
from shared.contracts.origination import ContactVerification, CreditAuthorisation, LoanDisbursed
from shared.contracts.registry import public_data

from .factory import AUTHORISATION, VERIFIED, application, to_draft, with_contact_points

TODAY = date(2026, 3, 1)
GUARANTEED = DEFAULT_RULES["guaranteed"]


def problems(body):
    return {p["field"]: p["message"] for p in validate_draft(to_draft(body), DEFAULT_RULES[body["product"]], TODAY)}


def test_addresses_and_employer_are_optional_and_checked_when_given():
    assert problems(application()) == {}
    assert problems(with_contact_points(application())) == {}
    body = with_contact_points(application())
    body["applicant"]["addresses"] = {"home": " ", "work": "街" * 201}
    body["applicant"]["employer"] = {"name": "某公司", "address": "", "phone": "0101234567"}
    found = problems(body)
    assert set(found) == {"applicant.addresses.home", "applicant.addresses.work", "applicant.employer.address",
                          "applicant.employer.phone"}
    assert "200 characters" in found["applicant.addresses.work"]
    assert "11-digit" in found["applicant.employer.phone"]


def test_an_authorisation_is_signed_by_the_business_date_with_a_document():
    assert problems(application(credit_authorisation=AUTHORISATION)) == {}
    assert problems(application(credit_authorisation={**AUTHORISATION, "signed_on": "2026-03-01"})) == {}
    late = problems(application(credit_authorisation={**AUTHORISATION, "signed_on": "2026-03-02"}))
    assert list(late) == ["credit_authorisation.signed_on"]
    undocumented = problems(application(credit_authorisation={**AUTHORISATION, "document_ref": " "}))
    assert list(undocumented) == ["credit_authorisation.document_ref"]


def test_the_bureau_is_queried_only_with_the_applicants_authorisation():
    with pytest.raises(AuthorisationRequired) as refused:
        require_bureau_authorisation(None)
    assert refused.value.status == 422 and refused.value.code == "authorisation_required"
    signed = CreditAuthorisation(**AUTHORISATION)
    assert require_bureau_authorisation(signed) is signed


def _disbursed(body) -> tuple[Application, LoanDisbursed]:
    draft = to_draft(body)
    app = Application.rebuild("app-9", Application.file("app-9", draft, draft.credit_report, "applicant", "alice",
                                                        False))
    assert app.bureau_authorised == (draft.credit_authorisation is not None)
    for stage, who in (("client_manager", "alice"), ("team_manager", "bob"), ("credit_manager", "carol")):
        checks = [ContactVerification(**v) for v in VERIFIED] if stage == "client_manager" else []
        for e in app.review(stage, "approve", who, frozenset({stage}), None, checks, False):
            app.apply(e)
    (loan,) = app.disburse("loan-9", "carol", TODAY, GUARANTEED, None, False)
    assert isinstance(loan, LoanDisbursed)
    return app, loan


def test_a_guaranteed_loan_is_disbursed_with_its_contact_points_guarantor_and_authorisation():
    body = with_contact_points(application("guaranteed", credit_authorisation=AUTHORISATION))
    _, loan = _disbursed(body)
    assert loan.class_version == 2
    assert loan.borrower.addresses is not None
    assert loan.borrower.addresses.home == body["applicant"]["addresses"]["home"]
    assert loan.borrower.employer is not None and loan.borrower.employer.name == "北京星辰科技有限公司"
    assert loan.guarantor is not None and loan.guarantor.id_number == body["guarantor"]["id_number"]
    assert loan.credit_authorisation == CreditAuthorisation(**AUTHORISATION)
    published = public_data(loan.event_type, loan.to_data())
    guarantor_id = body["guarantor"]["id_number"]
    assert published["guarantor"]["id_number"] == guarantor_id[:6] + "********" + guarantor_id[-4:]
    assert published["guarantor"]["phone"] == body["guarantor"]["phone"]  # collectors may call the co-obligor


# loan.disbursed as origination published it before v2 (dataschemaversion 1), an unknown field included.
V1_DISBURSED = {
    "loan_id": "L-2026-0001", "application_id": "A-2026-0001",
    "borrower": {"name": "张伟", "id_number_masked": "110105********0015", "phone": "13900000101",
                 "region": "北京市朝阳区"},
    "principal": "50000.00", "annual_rate": "0.12", "term_months": 12, "repayment_method": "equal_installment",
    "disbursement_date": "2026-03-01", "due_day": 15, "product": "credit",
    "contacts": [{"relation": "family", "name": "李娜", "phone": "13900000102"},
                 {"relation": "other", "name": "王芳", "phone": "13900000103"},
                 {"relation": "work", "name": "刘强", "phone": "13900000104"}],
    "disbursed_by": "carol", "a_field_from_elsewhere": True,
}


def test_a_v1_loan_disbursed_from_before_still_parses_as_v2():
    old = CloudEvent(source="origination", type="loan.disbursed", subject="L-2026-0001", data=V1_DISBURSED,
                     correlationid="c-1", businessdate=TODAY, dataschemaversion=1)
    loan = parse_data(old)
    assert isinstance(loan, LoanDisbursed)
    assert (loan.loan_id, str(loan.principal), loan.borrower.phone) == ("L-2026-0001", "50000.00", "13900000101")
    assert [c.relation for c in loan.contacts] == ["family", "other", "work"]
    # what v1 did not record stays unknown, never invented
    assert loan.borrower.addresses is None and loan.borrower.employer is None
    assert loan.guarantor is None and loan.collateral is None and loan.credit_authorisation is None
    current = CloudEvent(source="origination", type="loan.disbursed", subject="L-2026-0001",
                         data=loan.to_data(), correlationid="c-1", businessdate=TODAY, dataschemaversion=2)
    assert parse_data(current) == loan


def test_personal_data_is_masked_in_every_part_of_a_person():
    assert mask_address("北京市朝阳区建国路88号院3号楼502") == "北京市朝阳区****"
    assert mask_address("三亚") == "三****"
    person = with_contact_points(application())["applicant"]
    masked = masked_person(person)
    assert masked["name"] == person["name"] and masked["monthly_income"] == person["monthly_income"]
    assert masked["id_number"] == person["id_number"][:6] + "********" + person["id_number"][-4:]
    assert masked["phone"] == person["phone"][:3] + "****" + person["phone"][-4:]
    assert masked["addresses"] == {"home": "北京市朝阳区****", "work": "北京市海淀区****"}
    assert masked["employer"]["name"] == "北京星辰科技有限公司"
    assert masked["employer"]["address"] == "北京市海淀区****" and "****" in masked["employer"]["phone"]
    assert person["id_number"] not in str(masked) and person["addresses"]["home"] not in str(masked)
