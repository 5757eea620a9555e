"""The read side: an application rebuilt from its stream, and the applications list."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from services.origination.adapters import applications_table, repository
from services.origination.domain.application import Application
from services.origination.domain.errors import UnknownApplication
from services.origination.domain.personal import masked_person
from services.origination.domain.products import ProductRules
from shared.paging import parse_cursor

if TYPE_CHECKING:
    from services.origination.service_layer.deps import Deps


async def application(deps: Deps, application_id: str) -> dict[str, Any]:
    """GET /applications/{id}: the state, reviews so far and next step; 404 for an unknown id."""
    async with deps.kernel.unit_of_work() as uow:
        app, version = await repository.load(uow, application_id, deps.ring)
        borrower_id = await uow.conn.fetchval(
            "SELECT key_id FROM application_keys WHERE application_id = $1", application_id)
    if version == 0 or app.submitted is None:
        raise UnknownApplication(f"no application {application_id}")
    view = application_view(app, version, deps.rules[app.submitted.product])
    if borrower_id is not None:
        view["borrower_id"] = borrower_id
    return view


async def applications_page(deps: Deps, *, limit: int, cursor: str | None, status: str | None) -> dict[str, Any]:
    """GET /applications: oldest first, `limit` after the cursor's sequence, optionally of one status."""
    after = parse_cursor(cursor)
    async with deps.kernel.db.acquire() as conn:
        rows = await applications_table.page(conn, limit=limit, after=after, status=status)
    items = [{"id": r["application_id"], "status": r["status"], "product": r["product"],
              "amount": f"{r['amount']:.2f}", "submitted_by": r["submitted_by"],
              "next_stage": r["next_stage"], "loan_id": r["loan_id"], "version": r["version"],
              "submitted_at": r["submitted_at"].isoformat(), "updated_at": r["updated_at"].isoformat()}
             for r in rows]
    return {"items": items, "next_cursor": str(rows[-1]["seq"]) if len(rows) == limit else None}


def next_step(app: Application, rules: ProductRules) -> dict[str, Any] | None:
    """The next thing that must happen to the application, and who does it."""
    if app.status in ("rejected", "disbursed", "new"):
        return None
    if app.next_stage is not None:
        return {"action": "review", "stage": app.next_stage, "role": app.next_stage}
    if app.investigation_missing(rules):
        return {"action": "investigation", "role": "team_manager"}
    return {"action": "disbursement", "role": "credit_manager"}


def application_view(app: Application, version: int, rules: ProductRules, *, reveal: bool = False) -> dict[str, Any]:
    """The application's state, reviews so far and next required step; personal data (ID numbers,
    phones, addresses) masked unless `reveal` (a loan officer's audited reveal)."""
    s, a = app.submitted, app.applicant
    assert s is not None and a is not None
    public = s.to_data()
    person = (lambda p: p) if reveal else masked_person
    view: dict[str, Any] = {
        "id": app.id,
        "status": app.status,
        "version": version,
        "revealed": reveal,
        "applicant": person(a.model_dump(mode="json", exclude_none=True)),
        "product": s.product,
        "amount": public["amount"],
        "term_months": s.term_months,
        "annual_rate": public["annual_rate"],
        "repayment_method": s.repayment_method,
        "due_day": s.due_day or rules.due_day,
        "contacts": [person(c) for c in public["contacts"]],
        "credit_report": app.credit_report.model_dump(mode="json", exclude_none=True) if app.credit_report else None,
        "credit_report_source": s.credit_report_source,
        "credit_authorisation": public.get("credit_authorisation"),
        "collateral": public.get("collateral"),
        "guarantor": person(public["guarantor"]) if public.get("guarantor") else None,
        "submitted_by": s.submitted_by,
        "amendments": app.data_version,
        "reviews": [
            {"stage": r.stage, "decision": r.decision, "reviewer": r.reviewer, "note": r.note,
             "contact_verifications": [v.model_dump(mode="json", exclude_none=True)
                                       for v in r.contact_verifications],
             "stale": r.data_version != app.data_version}
            for r in app.reviews
        ],
        "investigation_required": rules.needs_investigation(s.amount),
        "investigation": {"investigator": app.investigation.investigator, "findings": app.investigation.findings,
                          "decision": app.investigation.decision,
                          "stale": app.investigation.data_version != app.data_version} if app.investigation else None,
        "next_step": next_step(app, rules),
    }
    if app.rejection is not None:
        view["reasons"] = list(app.rejection.reasons)
        view["rejected_at_stage"] = app.rejection.stage
        view["blacklisted"] = app.rejection.blacklisted
    if app.disbursement is not None:
        view["loan_id"] = app.disbursement.loan_id
        view["disbursement_date"] = app.disbursement.disbursement_date.isoformat()
    return view
