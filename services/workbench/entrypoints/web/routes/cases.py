"""/cases/{case_id}: everything a collector needs on one page, and the forms that act on the case.

Each form posts to the page's own path plus the REST action (`/cases/{id}/contacts` →
collections `POST /v1/cases/{id}/contacts`) with the REST body's field names.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from services.workbench.adapters.api import ApiCaller, ApiRefusal
from services.workbench.domain import arrangement_form
from services.workbench.domain import case as view
from services.workbench.domain.arrangement_form import SHOWN_ROWS
from services.workbench.domain.queue import QueueFilter, neighbours, worklist
from services.workbench.entrypoints.web.deps import api_for, business_date_of, checked_form, local_today
from services.workbench.entrypoints.web.render import refusal_status, render
from services.workbench.entrypoints.web.routes.queue import kept_filter
from services.workbench.entrypoints.web.session import CurrentUser, User

router = APIRouter(tags=["cases"])
TIMELINE_CAP = 1000

# action (the REST path under /cases/{id}) -> the body fields the API takes
ACTIONS: dict[str, tuple[str, ...]] = {
    "contacts": ("channel", "outcome", "target", "note", "reason", "follow_up_on"),
    "contact-points": ("kind", "value", "relation", "source"),
    "complaints": ("category", "description"),
    "promises": ("amount", "promised_date"),
    "tags": ("behaviour", "reason"),
    "disputes": ("reason",),
    "fraud": ("reason",),
    "deceased": ("reason",),
    "skip-trace": ("reason",),
    "escalate": ("reason", "to_stage"),
    "assign": ("collector", "queue", "reason"),
    "disputes/resolve": ("resolution",),
    "deceased/verification": ("confirmed", "evidence"),
    "deceased/path": ("path", "note"),
    "statute/restart": ("kind", "on", "evidence"),
    "write-off": ("reason",),
    "letters": ("template", "registered", "tracking_number"),
    "placements": ("agency", "fee_rate", "recall_on"),
    "legal-actions": ("kind", "on", "reference", "court", "cost", "amount", "outcome", "note"),
}
# one item's own action: what the post said of a letter (POST /cases/{id}/letters/{letter_id}/returned|delivered)
# or a contact point marked valid/invalid (POST /cases/{id}/contact-points/{point_id}/status)
# or a complaint answered (POST /complaints/{complaint_id}/resolve: complaints live outside the case's path)
# or a placement recalled from its agency (POST /cases/{id}/placements/{placement_id}/recall)
ITEM_ACTION = re.compile(r"(letters|contact-points|complaints|placements)/([A-Za-z0-9_.:-]{1,120})/"
                         r"(returned|delivered|status|resolve|recall)")
ITEM_FIELDS = {"returned": ("reason",), "delivered": ("on",), "status": ("status", "reason"),
               "resolve": ("resolution",), "recall": ()}
# sent with the form's Idempotency-Key: a double submit records once
REPLAYABLE = ("contacts", "promises", "letters", "placements", "legal-actions")
# "… and open the next case" (`then=next`): a call that reached someone stays on the case (a promise may follow)
NEXT_AFTER = ("contacts", "promises")
STAY_OUTCOMES = ("right_party_contact", "third_party", "promise")
# the call result buttons (key, outcome), in the order collectors meet them
QUICK_OUTCOMES = (("1", "right_party_contact"), ("2", "no_answer"), ("3", "switched_off"), ("4", "busy"),
                  ("5", "not_in_service"), ("6", "refused"), ("7", "third_party"), ("8", "wrong_number"))
CASE_ID = re.compile(r"[A-Za-z0-9_.:-]{1,160}")


def fields_of(action: str) -> tuple[str, ...] | None:
    """The body fields a case form's action takes; None when the action is not one of the page's."""
    answer = ITEM_ACTION.fullmatch(action)
    return ITEM_FIELDS[answer.group(3)] if answer else ACTIONS.get(action)


def api_path(case_id: str, action: str) -> str:
    """Where a case form's action goes in collections."""
    answer = ITEM_ACTION.fullmatch(action)
    if answer and answer.group(1) == "complaints":
        return f"/complaints/{answer.group(2)}/resolve"
    return f"/cases/{case_id}/{action}"


def done_key(action: str) -> str:
    """The action as the page's "done" notice names it (an item's action without the item's id)."""
    answer = ITEM_ACTION.fullmatch(action)
    return f"{answer.group(1)}/{answer.group(3)}" if answer else action


async def _timeline(api: ApiCaller, loan_id: str) -> Any:
    """Reporting's cross-service timeline (every page of it), or the refusal (e.g. the role may not read it)."""
    try:
        items, _ = await api.all_pages("reporting", f"/loans/{loan_id}/timeline", TIMELINE_CAP)
        return items
    except ApiRefusal as refusal:
        return refusal


async def _nothing() -> None:
    return None


async def _the_case(api: ApiCaller, case_id: str, reveal: str | None) -> tuple[Any, ApiRefusal | None]:
    """The case as collections has it: masked, or with `reveal` (the reason, recorded in collections' access
    audit) its contact points unmasked; a refused reveal (403 not allowed, 422 no reason) gives the masked case
    and the refusal."""
    if reveal is not None:  # POSTed: the reason travels in the body, in no URL or access log
        try:
            return await api.post("collections", f"/cases/{case_id}/reveal", {"reason": reveal}), None
        except ApiRefusal as refused:
            if refused.status not in (403, 422):
                raise
            return await api.get("collections", f"/cases/{case_id}"), refused
    return await api.get("collections", f"/cases/{case_id}"), None


async def _own_queue(api: ApiCaller, cap: int) -> Any:
    """One's whole queue (the previous/next links follow it in the kept filter's order), or the refusal."""
    try:
        items, _ = await api.all_pages("collections", "/queue", cap)
        return {"items": items}
    except ApiRefusal as refusal:
        return refusal


async def load_case(api: ApiCaller, case_id: str, sub: str, reveal: str | None = None,
                    queue_cap: int = 2000) -> tuple[Any, Any, Any, Any, Any, Any, ApiRefusal | None]:
    """The API calls /cases/{id} makes: the case and the business date, then the loan, its schedule,
    reporting's timeline and (on one's own case) one's whole queue for the previous/next links, at once; last,
    a refused reveal."""
    (case, refused), day = await asyncio.gather(_the_case(api, case_id, reveal),
                                                api.get_or_refusal("servicing", "/business-date"))
    loan_id = case["loan_id"]
    loan, schedule, timeline, queue = await asyncio.gather(
        api.get_or_refusal("servicing", f"/loans/{loan_id}"),
        api.get_or_refusal("servicing", f"/loans/{loan_id}/schedule"),
        _timeline(api, loan_id),
        _own_queue(api, queue_cap) if case.get("assignee") == sub else _nothing())
    return case, day, loan, schedule, timeline, queue, refused


async def case_page(request: Request, user: User, case_id: str, *, refusal: ApiRefusal | None = None,
                    failed: str | None = None, form: dict[str, str] | None = None,
                    reveal: str | None = None) -> Response:
    """The case page; with `reveal` (the reason) its contact points unmasked for this one response (never
    stored, never cached: Cache-Control no-store), or the reveal's refusal with its rule."""
    api = api_for(request, user)
    case, day, loan, schedule, timeline, queue, refused = await load_case(
        api, case_id, user.sub, reveal, request.app.state.settings.queue_fetch_limit)
    revealed = reveal is not None and refused is None
    if refused is not None:
        refusal, failed, form = refusal or refused, failed or "reveal", form or {"reason": reveal or ""}
    business_date = business_date_of(day)
    own_events = case.get("timeline") or []
    cross_service = not isinstance(timeline, ApiRefusal)
    status = refusal_status(refusal) if refusal else 200
    page = render(
        request, "case.html", status=status, user=user, case=case, loan=loan, schedule=schedule,
        business_date=business_date, ask=view.amount_to_ask(case, loan),
        borrower=view.masked_borrower(case.get("borrower")),
        trace_contacts=view.masked_contacts(case.get("trace_contacts") or []),
        contacts=view.contact_log(own_events), letters=case.get("letters") or [],
        contact_points=case.get("contact_points") or [], complaints=case.get("complaints") or [],
        timeline=view.timeline_rows(timeline if cross_service else own_events), cross_service=cross_service,
        timeline_refusal=None if cross_service else timeline,
        statute=view.statute_clock(case.get("statute"), business_date),
        odds=view.recovery_odds(int(case.get("days_past_due") or 0)),
        open_promise=next((p for p in case.get("promises", []) if p.get("status") == "open"), None),
        can_decide=user.has("legal", "collections_supervisor", "admin"),
        can_assign=user.has("collections_supervisor", "admin"),
        refusal=refusal, failed=failed, form=form or {}, done=request.query_params.get("done"),
        arrangement_rows=arrangement_form.rows_shown(form or {}) if failed == "arrangements" else SHOWN_ROWS,
        saved=_saved(request.query_params.get("saved")), quick_outcomes=QUICK_OUTCOMES, stay_outcomes=STAY_OUTCOMES,
        around=_around(request, user, queue, case_id, business_date), queue_filtered=kept_filter(request, user)
        != QueueFilter(),
        revealed=revealed, reveal_reason=reveal if revealed else None,
        idempotency_key=str(uuid.uuid4()))
    if reveal is not None:  # the unmasked page (or the reveal's refusal) is never kept by a browser or a proxy
        page.headers["Cache-Control"] = "private, no-store"
    return page


def _around(request: Request, user: User, queue: Any, case_id: str, business_date: Any) -> Any:
    """Where the case stands in one's queue as the queue page shows it (its kept filter and order)."""
    if not isinstance(queue, dict):
        return None
    items = queue.get("items", [])
    cases = worklist(items, kept_filter(request, user), local_today(request), business_date)
    return neighbours(cases, case_id) or neighbours(items, case_id)  # a case the filter no longer holds: all


def _saved(case_id: str | None) -> str | None:
    """The case just saved before this one was opened ("save and next"), when its id is well formed."""
    return case_id if case_id and CASE_ID.fullmatch(case_id) else None


def _next_case(form: dict[str, str], action: str) -> str | None:
    """The case to open after a saved call or promise (`then=next`, the page's `next_case`), else None."""
    if action not in NEXT_AFTER or form.get("then") != "next" or form.get("outcome") in STAY_OUTCOMES:
        return None
    following = form.get("next_case", "")
    return following if CASE_ID.fullmatch(following) else None


CASE_ROLES = ("collector", "collections_supervisor", "legal", "admin")  # who works cases (collections' readers)


async def audit_case_page(request: Request, user: User, case_id: str) -> Response:
    """The case as an auditor reads it from an access record: collections masks every personal field for the
    auditor role; the page is read-only (no reveal, no action) and lists who saw the case's personal data."""
    api = api_for(request, user)
    case, access = await asyncio.gather(api.get("collections", f"/cases/{case_id}"),
                                        api.get_or_refusal("collections", "/audit/access", case_id=case_id,
                                                           order="newest", limit=50))
    return render(request, "case_audit.html", user=user, case=case, access=access,
                  borrower=view.masked_borrower(case.get("borrower")), contact_points=case.get("contact_points") or [],
                  timeline=view.timeline_rows(case.get("timeline") or []))


@router.get("/cases/{case_id}")
async def show_case(request: Request, user: CurrentUser, case_id: str) -> Response:
    """The case, masked (a reveal is a POST: a link or a reload never shows personal data); an auditor without
    a collections role gets the read-only audit view."""
    if reads_only(user):
        return await audit_case_page(request, user, case_id)
    return await case_page(request, user, case_id)


def reads_only(user: User) -> bool:
    """An auditor without a collections role: the case is read-only and masked for them."""
    return user.has("auditor") and not user.has(*CASE_ROLES)


def refuse_read_only(user: User) -> None:
    """A form posted by a read-only auditor: refused here, no service asked, nothing recorded."""
    if reads_only(user):
        raise ApiRefusal(403, "missing_role", "an auditor reads cases masked and read-only: no reveal, no action",
                         [], "workbench")


@router.post("/cases/{case_id}/reveal")
async def reveal_case(request: Request, user: CurrentUser, case_id: str) -> Response:
    """The reveal form (CSRF-checked, its reason in the body): the contact points unmasked in this one response,
    recorded by collections with the reason; the reason and the values land in no URL, history or log line."""
    form = await checked_form(request, user)
    refuse_read_only(user)
    return await case_page(request, user, case_id, reveal=form.get("reason", ""))


@router.get("/cases/{case_id}/reveal")
async def after_reveal(request: Request, user: CurrentUser, case_id: str) -> Response:
    """The revealed page's own address opened again (a language switch, a bookmark): the masked case."""
    query = f"?{request.url.query}" if request.url.query else ""
    return RedirectResponse(f"/cases/{case_id}{query}", status_code=303)


@router.get("/cases/{case_id}/letters/{letter_id}.pdf")
async def letter_pdf(request: Request, user: CurrentUser, case_id: str, letter_id: str) -> Response:
    """The letter's PDF, fetched from collections with the signed-in person's token (no token in the link)."""
    answer = await api_for(request, user).download("collections", f"/cases/{case_id}/letters/{letter_id}.pdf")
    return Response(answer.content, media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{letter_id}.pdf"',
                             "Cache-Control": "private, no-store"})


@router.post("/cases/{case_id}/{action:path}")
async def act_on_case(request: Request, user: CurrentUser, case_id: str, action: str) -> Response:
    """A form on the case page: the body goes to collections as is; a refusal re-renders the page with its rule."""
    fields = fields_of(action)
    if fields is None:
        raise HTTPException(404)
    form = await checked_form(request, user)
    refuse_read_only(user)
    body = {k: v for k, v in form.items() if k in fields}
    key = form.get("idempotency_key") if action in REPLAYABLE else None
    try:
        await api_for(request, user).post("collections", api_path(case_id, action), body, idempotency_key=key)
    except ApiRefusal as refusal:
        if refusal.status == 401:
            raise
        return await case_page(request, user, case_id, refusal=refusal, failed=action, form=form)
    done = done_key(action)
    following = _next_case(form, action)
    if following:  # the saved case is named on the next one's notice, with a link back
        return RedirectResponse(f"/cases/{following}?{urlencode({'done': done, 'saved': case_id})}", status_code=303)
    return RedirectResponse(f"/cases/{case_id}?done={done}#{done.replace('/', '-')}", status_code=303)
