"""/applications, /applications/new, /applications/{id}: loan officers file applications, review them
in order (three people), record the field investigation and disburse. Origination decides; a
refusal (422 field errors, 403 segregation of duties, 409 order) is shown on the page."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from services.workbench.adapters.api import ApiCaller, ApiRefusal
from services.workbench.domain.applications import (
    FORM_DEFAULTS,
    INTAKE_SECTIONS,
    METHODS,
    OUTCOMES,
    PRODUCTS,
    RELATIONS,
    STATUSES,
    body_from_form,
    field_errors,
    parse_reason,
    review_steps,
    unplaced,
)
from services.workbench.domain.checklist import checklist
from services.workbench.domain.worklist import OPEN, Waiting, waiting_for
from services.workbench.entrypoints.web.deps import api_for, checked_form, need
from services.workbench.entrypoints.web.field_words import field_word, reason_text
from services.workbench.entrypoints.web.labels import label
from services.workbench.entrypoints.web.nav import N_
from services.workbench.entrypoints.web.render import refusal_status, render
from services.workbench.entrypoints.web.session import CurrentUser, User

router = APIRouter(tags=["applications"])
PER_PAGE = 25
WAITING_FETCH = 500  # open applications of each status read for "waiting for you" (origination's largest page)
WAITING_DETAILS = 50  # approved applications read in full to learn whether the investigation comes first
DONE = {"submitted": N_("The application is filed."), "reviews": N_("The review is recorded."),
        "investigation": N_("The field investigation is recorded."), "disbursement": N_("The loan is disbursed.")}
# each action's roles: origination's POST /v1/applications/{id}/<action>
ACTIONS = {"reviews": ("client_manager", "team_manager", "credit_manager"), "investigation": ("team_manager",),
           "disbursement": ("credit_manager", "admin")}
INTAKE = ("client_manager",)  # origination's POST /v1/applications
REVEALERS = ("client_manager", "team_manager", "credit_manager")  # origination's reveal: loan officers only
APPLICATION_ROLES = ("client_manager", "team_manager", "credit_manager", "reporting", "admin")  # origination's readers


@router.get("/applications")
async def list_page(request: Request, user: CurrentUser) -> Response:
    """Oldest first as origination lists them, one page at a time (its cursor), filtered by status."""
    status = request.query_params.get("status")
    status = status if status in STATUSES else None
    cursor = request.query_params.get("cursor") or None
    api = api_for(request, user)
    page = await api.get("origination", "/applications", status=status, cursor=cursor, limit=PER_PAGE)
    waiting, waiting_cut = await _waiting(api, user) if not cursor else ([], False)
    base = {"status": status} if status else {}
    next_href = ("/applications?" + urlencode({**base, "cursor": page["next_cursor"]})
                 if page.get("next_cursor") else None)
    return render(request, "applications.html", user=user, items=page.get("items", []), wanted=status,
                  statuses=STATUSES, next_href=next_href, first_href="/applications?" + urlencode(base) if cursor
                  else None, waiting=waiting, waiting_cut=waiting_cut, show_waiting=not cursor)


async def _waiting(api: ApiCaller, user: User) -> tuple[list[Waiting], bool]:
    """The open applications whose next step is this person's (domain/worklist.py), longest waiting first; True
    when an open status has more than one request's worth (the table then says it shows the first ones)."""
    pages = await api.gather(*[api.get_or_refusal("origination", "/applications", status=s, limit=WAITING_FETCH)
                                for s in OPEN])
    items = [a for page in pages if isinstance(page, dict) for a in page.get("items", [])]
    cut = any(isinstance(page, dict) and page.get("next_cursor") for page in pages)
    approved = [a["id"] for a in items if a.get("status") == "approved"]
    details: dict[str, Any] = {}
    if approved and user.has("team_manager", "credit_manager", "admin"):  # is the investigation still missing?
        found = await api.gather(*[api.get_or_refusal("origination", f"/applications/{i}")
                                   for i in approved[:WAITING_DETAILS]])
        details = {i: d for i, d in zip(approved, found, strict=False) if isinstance(d, dict)}
        cut = cut or len(approved) > WAITING_DETAILS
    return waiting_for(items, user.sub, user.roles, details), cut


@router.get("/applications/new")
async def new_page(request: Request, user: CurrentUser) -> Response:
    need(user, *INTAKE)
    return _intake(request, user, dict(FORM_DEFAULTS))


@router.post("/applications")
async def submit(request: Request, user: CurrentUser) -> Response:
    """The form's dotted fields as the JSON body; a 422 shows each field's error next to it, keeping the input."""
    need(user, *INTAKE)
    form = await checked_form(request, user)
    key = form.pop("idempotency_key", None)  # the form's own: a double submit files one application
    try:
        filed = await api_for(request, user).post("origination", "/applications", body_from_form(form),
                                                  idempotency_key=key)
    except ApiRefusal as refusal:
        return _intake(request, user, form, refusal, refusal_status(refusal), key)
    return RedirectResponse(f"/applications/{filed['id']}?done=submitted", status_code=303)


def _intake(request: Request, user: User, form: dict[str, str], refusal: ApiRefusal | None = None,
            status: int = 200, key: str | None = None) -> Response:
    """The intake form; after a refusal with what was typed and the same key (a 422 is not stored by the API)."""
    errors = field_errors(refusal.details) if refusal and refusal.status == 422 else {}
    return render(request, "application_new.html", status=status, user=user, form=form, errors=errors,
                  idempotency_key=key or str(uuid.uuid4()),
                  unplaced=unplaced(errors), sections=INTAKE_SECTIONS, refusal=refusal, products=PRODUCTS,
                  methods=METHODS, relations=RELATIONS, word=field_word)


@router.get("/applications/{application_id}")
async def application_page(application_id: str, request: Request, user: CurrentUser) -> Response:
    """The application, masked (a reveal is a POST: a link or a reload never shows personal data)."""
    done = request.query_params.get("done")
    return await _application(request, user, application_id, notice=DONE.get(done or "", ""))


@router.post("/applications/{application_id}/reveal")
async def reveal_application(application_id: str, request: Request, user: CurrentUser) -> Response:
    """The reveal form (CSRF-checked, its reason in the body): the application unmasked in this one response,
    recorded by origination with the reason; never cached, the reason in no URL, history or log line."""
    need(user, *REVEALERS)
    form = await checked_form(request, user)
    page = await _application(request, user, application_id, reveal=form.get("reason", ""))
    page.headers["Cache-Control"] = "private, no-store"
    return page


@router.get("/applications/{application_id}/reveal")
async def after_reveal(application_id: str, request: Request, user: CurrentUser) -> Response:
    """The revealed page's own address opened again (a language switch, a bookmark): the masked application."""
    query = f"?{request.url.query}" if request.url.query else ""
    return RedirectResponse(f"/applications/{application_id}{query}", status_code=303)


@router.post("/applications/{application_id}/{action}")
async def act(application_id: str, action: str, request: Request, user: CurrentUser) -> Response:
    """A review, the field investigation or the disbursement, posted as origination's body."""
    if action not in ACTIONS:
        raise ApiRefusal(404, "not_found", f"no action {action}")
    need(user, *ACTIONS[action])
    form = await checked_form(request, user)
    try:
        await api_for(request, user).post("origination", f"/applications/{application_id}/{action}",
                                          body_from_form(form) if action != "disbursement" else {})
    except ApiRefusal as refusal:
        return await _application(request, user, application_id, refusal=refusal, form=form, action=action)
    return RedirectResponse(f"/applications/{application_id}?done={action}", status_code=303)


async def _application(request: Request, user: User, application_id: str, *, notice: str = "",
                       refusal: ApiRefusal | None = None, form: dict[str, str] | None = None,
                       action: str = "", reveal: str | None = None) -> Response:
    """The application as origination has it: masked, or unmasked with `reveal` (the reason, recorded by
    origination's access audit); a refused reveal shows the masked page with the refusal."""
    api = api_for(request, user)
    path = f"/applications/{application_id}"
    application: Any = None
    if reveal is not None:
        try:
            application = await api.post("origination", f"{path}/reveal", {"reason": reveal})
        except ApiRefusal as refused:
            if refused.status not in (403, 422):
                raise
            refusal = refusal or refused
    revealed = application is not None
    application = application or await api.get("origination", path)
    loan: Any = None
    read_only = user.has("auditor") and not user.has(*APPLICATION_ROLES)
    if application.get("loan_id") and not read_only:  # an auditor reads the application only (no loan role)
        loan = await api.get_or_refusal("servicing", f"/loans/{application['loan_id']}")
    gettext = request.app.state.catalogs[request.state.lang].gettext
    nxt = application.get("next_step") or {}
    can_act = bool(nxt) and user.has(nxt.get("role", ""), *(("admin",) if nxt.get("action") == "disbursement"
                                                              else ()))
    checks = [c for c in checklist(application, user.sub) if c.rule != "duties" or can_act] \
        if application.get("status") in OPEN else []
    return render(request, "application.html", status=refusal_status(refusal) if refusal else 200, user=user,
                  a=application, revealed=revealed, steps=review_steps(application), loan=loan, next_step=nxt,
                  read_only=read_only,
                  can_act=can_act, checks=checks,
                  refusal=refusal, form=form or {}, action=action, notice=notice, outcomes=OUTCOMES,
                  relations=RELATIONS, errors=field_errors(refusal.details) if refusal else {}, word=field_word,
                  reason=lambda text: reason_text(parse_reason(str(text)), gettext,
                                                  lambda stage: gettext(label("review_stage", stage))))
