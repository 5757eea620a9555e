"""/audit: who saw what (issue 16) — every recorded reveal of personal data, from collections (cases),
origination (applications) and reporting (unmasked exports), newest first, for auditors and admins.

Reads each service's `GET /v1/audit/access?subject_id=&actor=` (all pages, up to CAP records each);
filters: `subject` (a case or application id, or an export such as `loan-book:2026-04-30`) and `person`.
Other roles get the refusal page (403 `missing_role`) without the services being asked.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.workbench.adapters.api import ApiCaller, ApiRefusal
from services.workbench.domain.audit import AUDITED, FIELDS, READERS, SUBJECTS, filters, merged
from services.workbench.entrypoints.web.deps import api_for
from services.workbench.entrypoints.web.render import render
from services.workbench.entrypoints.web.session import CurrentUser

router = APIRouter(tags=["access audit"])
CAP = 2000  # records per service on one page; more: the page says so and asks for a filter


async def _records(api: ApiCaller, service: str, params: dict[str, str]) -> tuple[list[Any], bool] | ApiRefusal:
    try:
        return await api.all_pages(service, "/audit/access", CAP, **params)
    except ApiRefusal as refusal:
        if refusal.status == 401:
            raise
        return refusal


@router.get("/audit")
async def audit_page(request: Request, user: CurrentUser) -> Response:
    if not user.has(*READERS):
        raise ApiRefusal(403, "missing_role", "the access audit is for the roles: " + ", ".join(READERS), [],
                         "workbench")
    asked = filters(request.query_params)
    api = api_for(request, user)
    answers = await api.gather(*(_records(api, s, asked) for s in AUDITED))
    refusals = [a for a in answers if isinstance(a, ApiRefusal)]
    found = {s: a[0] for s, a in zip(AUDITED, answers, strict=True) if not isinstance(a, ApiRefusal)}
    cut = [s for s, a in zip(AUDITED, answers, strict=True) if not isinstance(a, ApiRefusal) and a[1]]
    return render(request, "audit.html", user=user, rows=merged(found), refusals=refusals, cut=cut,
                  subject=request.query_params.get("subject", ""), person=request.query_params.get("person", ""),
                  applied=asked, subjects=SUBJECTS, fields=FIELDS)
