"""/audit: who saw what (issue 16) — every recorded reveal of personal data, from collections (cases),
origination (applications) and reporting (unmasked exports), newest first, for auditors and admins.

Reads each service's `GET /v1/audit/access?order=newest&before=&subject_id=&actor=` (keyset pages of
PER_PAGE), merges them by time and shows PER_PAGE at a time; "Older" continues every service where this
page stopped (`before=collections:<id>,origination:<id>,reporting:end`), without a cap. Filters:
`subject` (a case or application id, or an export such as `loan-book:2026-04-30`) and `person`.
Other roles get the refusal page (403 `missing_role`) without the services being asked.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.workbench.adapters.api import ApiCaller, ApiRefusal
from services.workbench.domain.audit import (
    AUDITED,
    END,
    FIELDS,
    PER_PAGE,
    READERS,
    SUBJECTS,
    filters,
    merge_page,
    parse_position,
    position_query,
)
from services.workbench.entrypoints.web.deps import api_for
from services.workbench.entrypoints.web.render import render
from services.workbench.entrypoints.web.session import CurrentUser

router = APIRouter(tags=["access audit"])


async def _records(api: ApiCaller, service: str, before: int | None, params: dict[str, str]) -> Any:
    """One keyset page of a service's records newest first (below `before`), or its refusal."""
    try:
        return await api.get(service, "/audit/access", order="newest", before=before, limit=PER_PAGE, **params)
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
    position = parse_position(request.query_params.get("before"))
    api = api_for(request, user)
    reading = [s for s in AUDITED if position[s] != END]
    answers = await api.gather(*(_records(api, s, position[s], asked) for s in reading))  # type: ignore[arg-type]
    refusals = [a for a in answers if isinstance(a, ApiRefusal)]
    found = {s: a for s, a in zip(reading, answers, strict=True) if not isinstance(a, ApiRefusal)}
    rows, nxt = merge_page(position, {s: a.get("items", []) for s, a in found.items()},
                           {s: a.get("next_cursor") is not None for s, a in found.items()})
    query = {"subject": request.query_params.get("subject", ""), "person": request.query_params.get("person", "")}
    query = {k: v for k, v in query.items() if v}
    older = "/audit?" + urlencode({**query, "before": position_query(nxt)}) if nxt else None
    newest = ("/audit?" + urlencode(query)).rstrip("?") if request.query_params.get("before") else None
    return render(request, "audit.html", user=user, rows=rows, refusals=refusals, older_href=older,
                  newest_href=newest, subject=query.get("subject", ""), person=query.get("person", ""),
                  applied=asked, subjects=SUBJECTS, fields=FIELDS)
