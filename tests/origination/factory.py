"""People and application bodies for the origination tests (valid unless a test changes them)."""

from __future__ import annotations

import copy
import itertools
from typing import Any

from services.origination.domain.identity import check_digit

_serial = itertools.count(100)


def id_number(region: str = "110105", born: str = "19900307", seq: str | None = None) -> str:
    """A valid 18-digit resident ID number (GB 11643 check digit)."""
    body = region + born + (seq or f"{next(_serial) % 1000:03d}")
    return body + check_digit(body)


def mobile(n: int) -> str:
    return f"139{n:08d}"


def application(product: str = "credit", amount: str = "50000.00", **changes: Any) -> dict[str, Any]:
    """Zhang Wei's application: a credit loan, three contacts, a clean credit report."""
    body: dict[str, Any] = {
        "applicant": {"name": "张伟", "id_number": id_number(), "phone": mobile(next(_serial)),
                      "monthly_income": "12000.00", "region": "北京市朝阳区"},
        "product": product,
        "amount": amount,
        "term_months": 12,
        "annual_rate": "0.12",
        "repayment_method": "equal_installment",
        "contacts": [
            {"relation": "family", "name": "李娜", "phone": mobile(next(_serial))},
            {"relation": "other", "name": "王芳", "phone": mobile(next(_serial))},
            {"relation": "work", "name": "刘强", "phone": mobile(next(_serial))},
        ],
        "credit_report": {"max_overdue_months": 0, "report_date": "2026-02-20"},
    }
    if product == "mortgage":
        body["collateral"] = {"description": "朝阳区某小区 3-502 住宅",
                              "lien_registration_number": "京(2026)朝阳区不动产证明第0012345号",
                              "value": "1500000.00"}
        body["term_months"] = 120
        body["annual_rate"] = "0.05"
    if product == "guaranteed":
        body["guarantor"] = {"name": "赵磊", "id_number": id_number(born="19800101"), "phone": mobile(next(_serial))}
    body.update(changes)
    return copy.deepcopy(body)


AUTHORISATION = {"signed_on": "2026-02-25", "document_ref": "征信授权书 CA-2026-0225-017"}


def with_contact_points(body: dict[str, Any]) -> dict[str, Any]:
    """The body with the applicant's home and work addresses and employer (second round, optional)."""
    body = copy.deepcopy(body)
    body["applicant"]["addresses"] = {"home": "北京市朝阳区建国路88号院3号楼502", "work": "北京市海淀区中关村大街1号"}
    body["applicant"]["employer"] = {"name": "北京星辰科技有限公司", "address": "北京市海淀区中关村大街1号",
                                     "phone": mobile(next(_serial))}
    return body


VERIFIED = [{"relation": "family", "outcome": "confirmed"}, {"relation": "other", "outcome": "confirmed"},
            {"relation": "work", "outcome": "confirmed", "note": "HR confirmed employment"}]


def to_draft(body: dict[str, Any]) -> Any:
    """The domain's Draft for a request body (no HTTP involved)."""
    from decimal import Decimal

    from services.origination.domain.validation import Draft
    from shared.contracts.origination import (
        Applicant,
        Collateral,
        ContactPerson,
        CreditAuthorisation,
        CreditReport,
        Guarantor,
    )

    return Draft(
        applicant=Applicant(**body["applicant"]), product=body["product"], amount=Decimal(body["amount"]),
        term_months=body["term_months"], annual_rate=Decimal(body["annual_rate"]),
        repayment_method=body["repayment_method"], contacts=[ContactPerson(**c) for c in body["contacts"]],
        credit_report=CreditReport(**body["credit_report"]) if body.get("credit_report") else None,
        collateral=Collateral(**body["collateral"]) if body.get("collateral") else None,
        guarantor=Guarantor(**body["guarantor"]) if body.get("guarantor") else None,
        due_day=body.get("due_day"),
        credit_authorisation=(CreditAuthorisation(**body["credit_authorisation"])
                              if body.get("credit_authorisation") else None))
