"""The review checklist beside an application's decision (pure, no I/O): DOMAIN.md §1's origination rules,
each as met, broken or still open for this application, so a reviewer sees which rule it breaks before
deciding instead of remembering the rules and reading them off the file.

Origination decides and enforces (its refusals stay the authority); this only reads its application view:
- "Client manager verifies the applicant through three contacts: a family contact, another contact
  (friend/relative) and a work contact" — every contact verified at the first review;
- "Any overdue record of 3 months or more → the application is rejected" — the credit report's longest
  overdue;
- "if anything differs from what was reviewed, disbursement is refused" — no review made stale by an
  amendment;
- "Large amounts need an on-site credit investigation (实地征信) by the team manager before disbursement";
- mortgage loans record the lien registration (他项权登记); guaranteed loans their guarantor;
- "Segregation of duties (审批岗与营销岗、调查岗、催收岗分离)" — whether the person looking may take the
  next step: not the filer after the first stage, one stage per person, not the investigator's approval.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

MET, BROKEN, OPEN = "met", "broken", "open"
OVERDUE_LIMIT = 3  # months: DOMAIN.md §1, "3 months or more → rejected"


@dataclass(frozen=True)
class Check:
    """One rule for this application: `state` met|broken|open, `why` a code the page words, `values` its figures."""

    rule: str
    state: str
    why: str
    values: Mapping[str, Any] = field(default_factory=dict)


def checklist(application: Mapping[str, Any], person: str) -> list[Check]:
    """The rules in the order a reviewer reads the file; `person` is the signed-in officer (segregation)."""
    checks = [_contacts(application), _credit_report(application)]
    if application.get("reviews"):
        checks.append(_unchanged(application))
    checks.append(_investigation(application))
    if application.get("product") == "mortgage":
        lien = (application.get("collateral") or {}).get("lien_registration_number")
        checks.append(Check("collateral", MET if lien else BROKEN, "lien_recorded" if lien else "lien_missing"))
    if application.get("product") == "guaranteed":
        guarantor = bool(application.get("guarantor"))
        checks.append(Check("guarantor", MET if guarantor else BROKEN,
                            "guarantor_recorded" if guarantor else "guarantor_missing"))
    duties = _duties(application, person)
    if duties is not None:
        checks.append(duties)
    return checks


def _contacts(application: Mapping[str, Any]) -> Check:
    first = next((r for r in application.get("reviews") or [] if r.get("stage") == "client_manager"), None)
    if first is None:
        return Check("contacts", OPEN, "not_yet_verified")
    outcomes = {v.get("relation"): v.get("outcome") for v in first.get("contact_verifications") or []}
    relations = [c.get("relation") for c in application.get("contacts") or []] or list(outcomes)
    doubtful = [(r, outcomes.get(r) or "missing") for r in relations if outcomes.get(r) != "confirmed"]
    if doubtful:
        return Check("contacts", BROKEN, "not_all_confirmed", {"doubtful": doubtful})
    return Check("contacts", MET, "all_confirmed", {"count": len(relations)})


def _credit_report(application: Mapping[str, Any]) -> Check:
    report = application.get("credit_report") or {}
    months = report.get("max_overdue_months")
    if months is None:
        return Check("credit_report", OPEN, "no_report")
    source = application.get("credit_report_source") or "applicant"
    state = BROKEN if int(months) >= OVERDUE_LIMIT else MET
    return Check("credit_report", state, "overdue_too_long" if state == BROKEN else "overdue_within_limit",
                 {"months": int(months), "limit": OVERDUE_LIMIT, "source": source})


def _unchanged(application: Mapping[str, Any]) -> Check:
    stale = [r.get("stage") for r in application.get("reviews") or [] if r.get("stale")]
    investigation = application.get("investigation") or {}
    if investigation.get("stale"):
        stale.append("investigation")
    if stale:
        return Check("unchanged", BROKEN, "changed_since", {"stages": stale})
    return Check("unchanged", MET, "as_reviewed")


def _investigation(application: Mapping[str, Any]) -> Check:
    if not application.get("investigation_required"):
        return Check("investigation", MET, "not_required")
    done = application.get("investigation")
    if not done:
        return Check("investigation", OPEN, "required_missing")
    if done.get("decision") != "approve":
        return Check("investigation", BROKEN, "investigation_rejected", {"investigator": done.get("investigator")})
    if done.get("stale"):
        return Check("investigation", BROKEN, "investigation_stale", {"investigator": done.get("investigator")})
    return Check("investigation", MET, "investigated", {"investigator": done.get("investigator")})


def _duties(application: Mapping[str, Any], person: str) -> Check | None:
    """Whether `person` may take the next step (None when there is none to take)."""
    nxt = application.get("next_step") or {}
    action, stage = nxt.get("action"), nxt.get("stage")
    if action not in ("review", "investigation"):
        return None
    reviewed = {r.get("reviewer"): r.get("stage") for r in application.get("reviews") or []}
    investigator = (application.get("investigation") or {}).get("investigator")
    if action == "review":
        if stage != "client_manager" and application.get("submitted_by") == person:
            return Check("duties", BROKEN, "filed_it", {"stage": stage})
        if person in reviewed:
            return Check("duties", BROKEN, "reviewed_a_stage", {"stage": stage, "earlier": reviewed[person]})
        if stage == "credit_manager" and investigator == person:
            return Check("duties", BROKEN, "investigated_it", {"stage": stage})
    elif reviewed.get(person) == "credit_manager":
        return Check("duties", BROKEN, "approved_it", {})
    return Check("duties", MET, "no_other_part", {"stage": stage or action})
