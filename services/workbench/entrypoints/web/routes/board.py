"""/board: the supervisor's caseloads and month figures, decisions waiting, special queues, reassignment."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from services.workbench.adapters.api import ApiCaller, ApiRefusal
from services.workbench.domain import board
from services.workbench.domain.queue import STAGES
from services.workbench.entrypoints.web.deps import api_for, business_date_of, local_today, need
from services.workbench.entrypoints.web.render import render
from services.workbench.entrypoints.web.session import CurrentUser, User, check_csrf

router = APIRouter(tags=["board"])
OPEN_CASES_CAP = 5000
ASSIGNERS = ("collections_supervisor", "admin")  # collections' POST /cases/assign, GET and PUT /roster


async def _nothing() -> None:
    return None


async def _month_figures(api: ApiCaller, day: Any) -> Any:
    """Reporting's collections figures from the first of the business month to the business date."""
    business_date = business_date_of(day)
    if business_date is None:
        return day  # the refusal of GET /business-date
    return await api.get_or_refusal("reporting", "/reports/collections", **{
        "from": business_date.replace(day=1).isoformat(), "to": business_date.isoformat()})


async def board_page(request: Request, user: User, *, status: int = 200,
                     failures: list[tuple[str, ApiRefusal]] | None = None, form: dict[str, Any] | None = None,
                     done: int | None = None, roster_form: dict[str, Any] | None = None) -> Response:
    api = api_for(request, user)
    can_assign = user.has(*ASSIGNERS)
    (cases, cut), day, pending, roster = await asyncio.gather(
        api.all_pages("collections", "/cases", OPEN_CASES_CAP, status="open"),
        api.get_or_refusal("servicing", "/business-date"),
        api.get_or_refusal("collections", "/arrangements", status="pending_approval", limit=500),
        api.get_or_refusal("collections", "/roster") if can_assign else _nothing())
    figures = await _month_figures(api, day)
    today = local_today(request)
    month = figures if isinstance(figures, dict) else None
    q = request.query_params
    chosen = board.pick(cases, collector=q.get("collector") or None, queue=q.get("queue") or None,
                        stage=q.get("stage") if q.get("stage") in STAGES else None)
    selected = set((form or {}).get("case_ids", []))
    return render(request, "board.html", status=status, user=user, business_date=business_date_of(day),
                  caseloads=board.caseloads(cases, month, business_date_of(day) or today, today), month=month,
                  figures_refusal=None if month else figures, waiting=board.waiting_for_decision(cases),
                  queues=board.special_queues(cases), cases=cases, cut=cut, chosen=chosen[:200],
                  chosen_total=len(chosen), selected=selected, failures=failures or [], form=form or {},
                  done=done, stages=STAGES, queue_names=sorted({str(c.get("queue")) for c in cases}),
                  collectors=sorted({str(c.get("assignee")) for c in cases if c.get("assignee")}),
                  untouched_days=board.UNTOUCHED_DAYS, can_assign=can_assign,
                  arrangements=pending.get("items", []) if isinstance(pending, dict) else [],
                  arrangements_refusal=None if isinstance(pending, dict) else pending,
                  roster=roster if isinstance(roster, dict) else None,
                  roster_refusal=roster if isinstance(roster, ApiRefusal) else None,
                  moved=request.query_params.get("moved") or None, roster_form=roster_form or {})


@router.get("/board")
async def show_board(request: Request, user: CurrentUser) -> Response:
    done = request.query_params.get("reassigned")
    return await board_page(request, user, done=int(done) if done and done.isdigit() else None)


@router.post("/board/assign")
async def reassign(request: Request, user: CurrentUser) -> Response:
    """Reassign the ticked cases (`case_ids`) to `collector`: one bulk `POST /cases/assign` (each case under the
    single reassignment's rules, per-case results); cases the API refuses are listed with their rule, the others
    are done."""
    need(user, *ASSIGNERS)
    form = await request.form()
    check_csrf(user, form.get("csrf_token"))
    case_ids = [str(v) for v in form.getlist("case_ids") if str(v).strip()]
    collector = str(form.get("collector") or "").strip()
    reason = str(form.get("reason") or "").strip() or None
    values = {"case_ids": case_ids, "collector": collector, "reason": reason or ""}
    if not case_ids or not collector:
        missing = ApiRefusal(422, "validation_error", "", [{"loc": ["case_ids" if not case_ids else "collector"],
                                                             "msg": "required"}], "workbench")
        return await board_page(request, user, status=422, failures=[("", missing)], form=values)
    api = api_for(request, user)
    try:
        answer = await api.post("collections", "/cases/assign", {"case_ids": list(dict.fromkeys(case_ids)),
                                                                 "collector": collector,
                                                                 **({"reason": reason} if reason else {})})
    except ApiRefusal as refusal:  # the request as a whole (input, role): nothing changed
        return await board_page(request, user, status=refusal.status if refusal.status < 500 else 502,
                                failures=[("", refusal)], form=values)
    results: list[tuple[str, ApiRefusal | None]] = [
        (r["case_id"], None if r["status"] != "refused" else
         ApiRefusal(409, str(r.get("rule") or "refused"), str(r.get("message") or ""), [], "collections"))
        for r in answer["results"]]
    failures = [(c, r) for c, r in results if r is not None]
    if failures:
        worst = max(r.status for _, r in failures)
        return await board_page(request, user, status=worst if worst < 500 else 502, failures=failures,
                                form=values, done=len(results) - len(failures))
    shown = {k: str(form.get(f"shown_{k}")) for k in ("collector", "queue", "stage") if form.get(f"shown_{k}")}
    return RedirectResponse(f"/board?{urlencode({'reassigned': len(results), **shown})}#reassign", status_code=303)
