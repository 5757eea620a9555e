"""Loan officers' pages (pure, no I/O): the intake form to the API's JSON body and back, the API's
field errors by input name, and the three reviews in order.

Form inputs carry the REST body's field names, nested ones dotted (`applicant.name`,
`contacts.0.phone`, `credit_report.max_overdue_months`); `body_from_form` builds the JSON body
from them and `field_errors` files the API's 422 details (whose `field` is the same dotted path)
under the input they belong to, so each message shows next to its field.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

STAGES = ("client_manager", "team_manager", "credit_manager")
RELATIONS = ("family", "other", "work")
PRODUCTS = ("credit", "mortgage", "guaranteed")
METHODS = ("equal_installment", "equal_principal", "interest_only")
STATUSES = ("submitted", "under_review", "approved", "rejected", "disbursed")
OUTCOMES = ("confirmed", "unreachable", "inconsistent")
# What a new application form starts with (a client manager changes what differs).
FORM_DEFAULTS = {"product": "credit", "term_months": "12", "annual_rate": "0.12",
                 "repayment_method": "equal_installment", "credit_report.max_overdue_months": "0",
                 **{f"contacts.{i}.relation": r for i, r in enumerate(RELATIONS)}}
MAX_LIST = 10  # the API takes at most ten contacts or verifications
# Every input of the intake form (templates/application_new.html) and the sections an error may be filed on.
INTAKE_INPUTS = frozenset({
    "applicant.name", "applicant.id_number", "applicant.phone", "applicant.monthly_income", "applicant.region",
    "applicant.addresses.home", "applicant.addresses.work", "applicant.employer.name", "applicant.employer.address",
    "applicant.employer.phone", "product", "amount", "term_months", "annual_rate", "repayment_method",
    "credit_report.max_overdue_months", "credit_report.report_date", "credit_authorisation.signed_on",
    "credit_authorisation.document_ref", "collateral.description", "collateral.lien_registration_number",
    "collateral.value", "guarantor.name", "guarantor.id_number", "guarantor.phone",
    *(f"contacts.{i}.{part}" for i in range(len(RELATIONS)) for part in ("relation", "name", "phone"))})
INTAKE_SECTIONS = frozenset({"applicant", "applicant.addresses", "applicant.employer", "contacts", "credit_report",
                             "credit_authorisation", "collateral", "guarantor"})


def body_from_form(form: Mapping[str, str]) -> dict[str, Any]:
    """Dotted input names to a nested JSON body; a numeric part is a list index (`contacts.1.name`).

    Values stay text: the API parses and validates them (money as decimal strings). A list index
    beyond MAX_LIST is dropped (the API would refuse the list anyway). Gaps in a list close up.
    """
    body: dict[str, Any] = {}
    for name, value in form.items():
        parts = name.split(".")
        if not all(parts) or any(p.isdigit() and int(p) >= MAX_LIST for p in parts):
            continue
        _put(body, parts, value)
    return _lists(body)


def _put(node: dict[str, Any], parts: list[str], value: str) -> None:
    for part in parts[:-1]:
        child = node.get(part)
        if not isinstance(child, dict):
            child = node[part] = {}
        node = child
    if not isinstance(node.get(parts[-1]), dict):  # `applicant` and `applicant.name` both sent: the nested one wins
        node[parts[-1]] = value


def _lists(node: Any) -> Any:
    """Dicts whose keys are all digits become lists in index order."""
    if not isinstance(node, dict):
        return node
    converted = {k: _lists(v) for k, v in node.items()}
    if converted and all(k.isdigit() for k in converted):
        return [converted[k] for k in sorted(converted, key=int)]
    return converted


def field_errors(details: list[Any]) -> dict[str, list[dict[str, str]]]:
    """The API's 422 details by dotted field name (`{"applicant.phone": [{"message", "type"}]}`).

    A detail without a field is filed under "" (the form shows it at the top).
    """
    out: dict[str, list[dict[str, str]]] = {}
    for d in details:
        if not isinstance(d, Mapping):
            continue
        name = str(d.get("field") or "")
        if not name and isinstance(d.get("loc"), list):
            name = ".".join(str(p) for p in d["loc"] if p != "body")
        out.setdefault(name, []).append({"message": str(d.get("message") or d.get("msg") or ""),
                                         "type": str(d.get("type") or "")})
    return out


def unplaced(errors: Mapping[str, list[dict[str, str]]]) -> dict[str, list[dict[str, str]]]:
    """Errors whose field is neither an input nor a section of the intake form: the form lists them at the top."""
    return {k: v for k, v in errors.items() if k not in INTAKE_INPUTS and k not in INTAKE_SECTIONS}


@dataclass(frozen=True)
class Step:
    """One of the three reviews as the application page shows it."""

    stage: str
    state: str  # done | rejected | stale | next | waiting | skipped
    review: Mapping[str, Any] | None = None


def review_steps(application: Mapping[str, Any]) -> list[Step]:
    """The three reviews in order: who did each and how, which one is next, which will not happen."""
    reviews = {r.get("stage"): r for r in application.get("reviews") or []}
    nxt = application.get("next_step") or {}
    next_stage = nxt.get("stage") if nxt.get("action") == "review" else None
    steps = []
    for stage in STAGES:
        review = reviews.get(stage)
        if review is not None:
            state = "rejected" if review.get("decision") == "reject" else ("stale" if review.get("stale") else "done")
        elif stage == next_stage:
            state = "next"
        else:
            state = "skipped" if application.get("status") == "rejected" else "waiting"
        steps.append(Step(stage, state, review))
    return steps


@dataclass(frozen=True)
class Reason:
    """A rejection or re-check reason from origination, parsed to a kind and its values ("" kind: unknown)."""

    kind: str
    values: Mapping[str, str]
    text: str  # as origination wrote it


_REASONS = (
    ("changed_since_review", r"applicant data or credit report changed since the (?P<stage>\w+) review"),
    ("changed_since_investigation", r"applicant data or credit report changed since the field investigation"),
    ("bureau_overdue", r"credit bureau: credit report(?: dated (?P<date>[\d-]+))? shows an overdue of "
                       r"(?P<months>\d+) months \(\d+ or more\)"),
    ("overdue", r"credit report(?: dated (?P<date>[\d-]+))? shows an overdue of (?P<months>\d+) months "
                r"\(\d+ or more\)"),
    ("bureau_changed", r"credit bureau: credit report changed since review: max overdue (?P<before>\d+) → "
                       r"(?P<after>\d+) months"),
    ("blacklisted", r"applicant's ID number is (?:now )?on the blacklist.*"),
    ("false_information_on_site", r"false information found by the field investigation: (?P<note>.*)"),
    ("investigation_rejected", r"field investigation: (?P<note>.*)"),
    ("false_information", r"false information(?:: (?P<note>.*))?"),
    ("rejected_at_review", r"rejected at the (?P<stage>\w+) review(?:: (?P<note>.*))?"),
)


def parse_reason(text: str) -> Reason:
    """Origination's reason sentence as a kind and values, so the page can say it in the reader's language."""
    for kind, pattern in _REASONS:
        found = re.fullmatch(pattern, text, flags=re.S)
        if found:
            return Reason(kind, {k: v for k, v in found.groupdict().items() if v is not None}, text)
    return Reason("", {}, text)
