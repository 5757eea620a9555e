"""/qa: call quality — the week's sample with each contact's recording reference, the scorecard form (role qa),
the week's findings; and the collector's acknowledgement of a finding that requires coaching (from /queue).

Reads collections' `GET /qa/sample?week=` and `GET /qa-findings`; the forms post to
`POST /contacts/{contact_id}/qa-reviews` and `POST /qa-findings/{finding_id}/acknowledge`.
"""

from __future__ import annotations

import asyncio
import re
import uuid

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from services.workbench.adapters.api import ApiRefusal
from services.workbench.domain.qa import (
    SCORE_PREFIX,
    SCORES,
    default_week,
    findings_by_collector,
    item_label,
    review_body,
)
from services.workbench.entrypoints.web.deps import api_for, business_date_of, checked_form, local_today, need
from services.workbench.entrypoints.web.render import refusal_status, render
from services.workbench.entrypoints.web.session import CurrentUser, User

router = APIRouter(tags=["call quality"])
WEEK = re.compile(r"^\d{4}-W\d{2}$")
ID = re.compile(r"^[A-Za-z0-9_.:-]{1,120}$")


async def qa_page(request: Request, user: User, week: str | None = None, *, refusal: ApiRefusal | None = None,
                  failed: str | None = None, form: dict[str, str] | None = None) -> Response:
    api = api_for(request, user)
    asked = week or request.query_params.get("week") or ""
    if not WEEK.match(asked):
        asked = default_week(business_date_of(await api.get_or_refusal("servicing", "/business-date")),
                             local_today(request))
    sample, findings = await asyncio.gather(api.get_or_refusal("collections", "/qa/sample", week=asked),
                                            api.get_or_refusal("collections", "/qa-findings", week=asked, limit=500))
    sample_refusal = sample if isinstance(sample, ApiRefusal) else None
    lang: str = request.state.lang
    status = refusal_status(refusal) if refusal else refusal_status(sample_refusal) if sample_refusal else 200
    return render(request, "qa.html", status=status, user=user, week=asked,
                  sample=None if sample_refusal else sample, sample_refusal=sample_refusal,
                  findings=[] if isinstance(findings, ApiRefusal) else findings.get("items", []),
                  labels={i["id"]: item_label(i, lang) for i in ([] if sample_refusal else sample["scorecard"])},
                  found=findings_by_collector([] if sample_refusal else sample["items"]),
                  scores=SCORES, score_prefix=SCORE_PREFIX, can_review=user.has("qa"),
                  refusal=refusal, failed=failed, form=form or {}, done=request.query_params.get("done"),
                  idempotency_key=str(uuid.uuid4()))


@router.get("/qa")
async def show_qa(request: Request, user: CurrentUser) -> Response:
    return await qa_page(request, user)


@router.post("/qa/contacts/{contact_id}/qa-reviews")
async def review(request: Request, user: CurrentUser, contact_id: str) -> Response:
    """The scorecard form: `scores.<item>` selects, `note`, `coaching`; a refusal re-renders /qa with its rule."""
    if not ID.match(contact_id):
        raise HTTPException(404)
    form = await checked_form(request, user)
    week = form.get("week") if WEEK.match(form.get("week", "")) else None
    try:
        await api_for(request, user).post("collections", f"/contacts/{contact_id}/qa-reviews", review_body(form),
                                          idempotency_key=form.get("idempotency_key"))
    except ApiRefusal as refusal:
        if refusal.status == 401:
            raise
        return await qa_page(request, user, week, refusal=refusal, failed=contact_id, form=form)
    return RedirectResponse(f"/qa?week={week or ''}&done=qa-reviews#contact-{contact_id}", status_code=303)


@router.post("/qa-findings/{finding_id}/acknowledge")
async def acknowledge(request: Request, user: CurrentUser, finding_id: str) -> Response:
    """The collector acknowledges a finding (from /queue); a refusal shows on /queue's findings card."""
    if not ID.match(finding_id):
        raise HTTPException(404)
    need(user, "collector")
    form = await checked_form(request, user)
    body = {"note": form["note"]} if form.get("note") else {}
    try:
        await api_for(request, user).post("collections", f"/qa-findings/{finding_id}/acknowledge", body)
    except ApiRefusal as refusal:
        if refusal.status == 401:
            raise
        return RedirectResponse(f"/queue?qa_refused={refusal.code}#qa-findings", status_code=303)
    return RedirectResponse("/queue?done=qa-acknowledged#qa-findings", status_code=303)
