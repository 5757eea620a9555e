"""Arrangements (issue 15) on the pages: the case page's arrangement form (kind, instalments, waiver) and the
approvals a supervisor decides on /board (approve or reject) — each a plain form posted to collections."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from services.workbench.adapters.api import ApiRefusal
from services.workbench.domain import arrangement_form
from services.workbench.entrypoints.web import arrangement_labels  # noqa: F401  (the words for arrangements)
from services.workbench.entrypoints.web.deps import api_for, checked_form, need
from services.workbench.entrypoints.web.render import refusal_status, render
from services.workbench.entrypoints.web.routes.board import board_page
from services.workbench.entrypoints.web.routes.cases import case_page
from services.workbench.entrypoints.web.session import CurrentUser, User

router = APIRouter(tags=["arrangements"])
PROPOSERS = ("collector", "collections_supervisor", "legal", "admin")  # collections' POST /cases/{id}/arrangements


def arrangement_body(form: dict[str, str]) -> dict[str, Any]:
    """The REST body from the form: `kind`, `waive` and the filled rows `due_date_N` / `amount_N` (up to 36)."""
    return arrangement_form.body(form)


async def approvals_page(request: Request, user: User, *, refusal: ApiRefusal | None = None) -> Response:
    """Arrangements waiting for approval, for a credit manager (who cannot read cases or the board)."""
    pending = await api_for(request, user).get_or_refusal("collections", "/arrangements", status="pending_approval",
                                                          limit=500)
    shown = refusal or (pending if isinstance(pending, ApiRefusal) else None)
    return render(request, "arrangements.html", status=refusal_status(shown) if shown else 200, user=user,
                  arrangements=pending.get("items", []) if isinstance(pending, dict) else [],
                  arrangements_refusal=None if isinstance(pending, dict) else pending,
                  arrangements_back="/arrangements", refusal=refusal)


@router.get("/arrangements")
async def show_approvals(request: Request, user: CurrentUser) -> Response:
    return await approvals_page(request, user)


@router.post("/cases/{case_id}/arrangements")
async def propose(request: Request, user: CurrentUser, case_id: str) -> Response:
    """Propose an arrangement on the case; a refusal (e.g. the instalments do not add up) re-renders the page.
    The form's "fill in" button (`generate`) proposes nothing: the page comes back with the rows filled."""
    need(user, *PROPOSERS)
    form = await checked_form(request, user)
    if form.get("generate"):
        return await _filled_in(request, user, case_id, form)
    try:
        await api_for(request, user).post("collections", f"/cases/{case_id}/arrangements", arrangement_body(form),
                                          idempotency_key=form.get("idempotency_key"))
    except ApiRefusal as refusal:
        if refusal.status == 401:
            raise
        return await case_page(request, user, case_id, refusal=refusal, failed="arrangements", form=form)
    return RedirectResponse(f"/cases/{case_id}?done=arrangements#arrangements", status_code=303)


async def _filled_in(request: Request, user: User, case_id: str, form: dict[str, str]) -> Response:
    """The form with its rows generated from the count, first due date (monthly) and the case's amount owed
    less the waiver (domain/arrangement_form.py), for the collector to check or edit; bad input: 422 naming
    the rule, on the form, with what was typed."""
    case = await api_for(request, user).get("collections", f"/cases/{case_id}")
    try:
        filled = arrangement_form.generate(form, case.get("amount_owed") or "0.00")
    except arrangement_form.PlanError as bad:
        refusal = ApiRefusal(status=422, code=bad.code, message=bad.message, service="workbench")
        return await case_page(request, user, case_id, refusal=refusal, failed="arrangements", form=form)
    return await case_page(request, user, case_id, failed="arrangements", form=filled)


@router.post("/arrangements/{arrangement_id}/{decision}")
async def decide(request: Request, user: CurrentUser, arrangement_id: str, decision: str) -> Response:
    """Approve or reject (with a reason) from /board or the case page (`back`); a refusal is shown there."""
    if decision not in ("approve", "reject"):
        raise HTTPException(404)
    form = await checked_form(request, user)
    back = form.get("back", "/board" if user.has("collections_supervisor") else "/arrangements")
    case_id = back.removeprefix("/cases/") if back.startswith("/cases/") else None
    approvals = back == "/arrangements"
    body = {"reason": form["reason"]} if form.get("reason") else {}
    try:
        await api_for(request, user).post("collections", f"/arrangements/{arrangement_id}/{decision}", body)
    except ApiRefusal as refusal:
        if refusal.status == 401:
            raise
        if case_id is not None:
            return await case_page(request, user, case_id, refusal=refusal, failed="arrangements", form=form)
        if approvals:
            return await approvals_page(request, user, refusal=refusal)
        return await board_page(request, user, status=refusal.status, failures=[(arrangement_id, refusal)])
    target = f"/cases/{case_id}" if case_id is not None else "/arrangements" if approvals else "/board"
    return RedirectResponse(f"{target}?done=arrangements/{decision}#arrangements", status_code=303)
