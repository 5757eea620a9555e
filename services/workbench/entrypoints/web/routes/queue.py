"""/queue: the collector's open cases, most urgent first, with filters, to-do lists, sorting, paging and
today's figures. The collector's own filter is kept (cookie `lf_queue`, with whose it is) so that the queue
and the case page's "next case" follow it until it is changed or cleared."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import parse_qsl, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.workbench.adapters.api import ApiCaller
from services.workbench.domain.queue import (
    PER_PAGE,
    STAGES,
    TODO,
    QueueFilter,
    days_since_contact,
    follow_up_due,
    page_of,
    promise_due,
    todays_figures,
    todo_counts,
    worklist,
)
from services.workbench.domain.queue_csv import COLUMNS, queue_file
from services.workbench.entrypoints.web.deps import api_for, business_date_of, local_today
from services.workbench.entrypoints.web.labels import label
from services.workbench.entrypoints.web.nav import N_
from services.workbench.entrypoints.web.render import render
from services.workbench.entrypoints.web.session import CurrentUser, User

router = APIRouter(tags=["queue"])
QUEUE_COOKIE = "lf_queue"
CSV_HEADERS = dict(zip(COLUMNS, (
    N_("Case"), N_("Borrower"), N_("Phone"), N_("Stage"), N_("DPD"), N_("Installments overdue"), N_("Promised amount"),
    N_("Promised date"), N_("Last contact"), N_("Days since contact"), N_("Next action"), N_("Next action due"),
    N_("Tags"), N_("Flags")), strict=True))
FILTER_KEYS = ("stage", "dpd_min", "dpd_max", "has_promise", "contact_days_min", "todo", "sort", "page", "per_page")
# the default scorecard's items (collections' LOANFLOW_COLLECTIONS_QA_SCORECARD may name others: shown as is)
QA_ITEMS = {"identified_self_and_company": N_("identified self and company"),
            "verified_right_party": N_("verified right party"),
            "stated_amount_and_due_date": N_("stated amount and due date"),
            "no_threat_or_abuse": N_("no threat or abuse"),
            "no_third_party_disclosure": N_("no disclosure to a third party"),
            "within_allowed_hours": N_("within allowed hours"), "offered_ways_to_pay": N_("offered the ways to pay"),
            "recorded_promise_correctly": N_("recorded the promise correctly")}


def kept_filter(request: Request, user: User) -> QueueFilter:
    """The filter the URL asks for; with none in the URL (and no `clear`), the one this person last used."""
    query = request.query_params
    if "clear" in query or any(key in query for key in FILTER_KEYS):
        return QueueFilter.from_query(query)
    whose, _, kept = request.cookies.get(QUEUE_COOKIE, "").partition("|")
    return QueueFilter.from_query(dict(parse_qsl(kept))) if whose == user.sub else QueueFilter()


def keep_filter(request: Request, response: Response, user: User, wanted: QueueFilter) -> None:
    """Remember the collector's filter for the working day (the session's lifetime)."""
    settings = request.app.state.settings
    response.set_cookie(QUEUE_COOKIE, f"{user.sub}|{urlencode(wanted.query())}", max_age=settings.session_hours * 3600,
                        httponly=True, samesite="lax", secure=request.app.state.secure_cookies, path="/")


async def load_queue(api: ApiCaller, cap: int, collector: str | None = None,
                     queue: str | None = None) -> tuple[tuple[list[Any], bool], Any]:
    """The API calls /queue makes, at once: the whole queue (one to four API pages) and the business date."""
    cases, day = await asyncio.gather(api.all_pages("collections", "/queue", cap, collector=collector, queue=queue),
                                      api.get_or_refusal("servicing", "/business-date"))
    return cases, day


def _whose(request: Request, user: User) -> tuple[str | None, str | None, QueueFilter]:
    """The collector and queue a supervisor asked for (None: one's own), and the filter: one's own kept one."""
    supervising = user.has("collections_supervisor", "legal", "admin")
    collector = (request.query_params.get("collector") or None) if supervising else None
    queue = (request.query_params.get("queue") or None) if supervising else None
    own = collector is None and queue is None
    return collector, queue, kept_filter(request, user) if own else QueueFilter.from_query(request.query_params)


@router.get("/queue.csv")
async def queue_csv(request: Request, user: CurrentUser) -> Response:
    """The list as the queue page shows it (filter and order, every page) as a CSV file, names and phones
    masked; headers and words in the person's language."""
    api = api_for(request, user)
    collector, queue, wanted = _whose(request, user)
    (cases, _), day = await load_queue(api, request.app.state.settings.queue_fetch_limit, collector, queue)
    business_date, today = business_date_of(day), local_today(request)
    words = request.app.state.catalogs[request.state.lang]

    def word(kind: str, code: Any) -> str:
        if kind == "flag":
            return words.gettext("Disputed")
        if kind == "broken":
            return words.ngettext("%(num)d broken promise", "%(num)d broken promises", int(code)) % {"num": int(code)}
        return words.gettext(label(kind, code)) if label(kind, code) else ""

    text = queue_file(worklist(cases, wanted, today, business_date), today,
                      [words.gettext(CSV_HEADERS[c]) for c in COLUMNS], word)
    name = f"queue-{collector or queue or user.sub}-{today.isoformat()}.csv"
    return Response(text.encode("utf-8"), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{_safe_name(name)}"',
                             "Cache-Control": "private, no-store"})


def _safe_name(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in name)


@router.get("/queue")
async def queue_page(request: Request, user: CurrentUser) -> Response:
    """Loads the whole queue once (one to four API pages), then filters and pages it here."""
    api = api_for(request, user)
    collector, queue, wanted = _whose(request, user)
    own = collector is None and queue is None
    cap = request.app.state.settings.queue_fetch_limit
    ((cases, cut), day), findings = await asyncio.gather(
        load_queue(api, cap, collector, queue),
        api.get_or_refusal("collections", "/qa-findings", status="to_acknowledge", limit=100)
        if user.has("collector") else _nothing())
    business_date = business_date_of(day)
    today = local_today(request)
    shown = page_of(cases, wanted, today, business_date)
    base = {k: v for k, v in (("collector", collector), ("queue", queue)) if v}

    def link(**changes: object) -> str:
        return "/queue?" + urlencode({**base, **wanted.query(**changes)})

    page = render(request, "queue.html", user=user, page=shown, wanted=wanted, figures=todays_figures(
        cases, today, business_date), todo=todo_counts(cases, today, business_date), todos=TODO,
        business_date=business_date, cut=cut, cap=cap, stages=STAGES,
        per_page_options=PER_PAGE, link=link, collector=collector, queue=queue, base_query=urlencode(base),
        today=today, done=request.query_params.get("done"),
        qa_findings=findings.get("items", []) if isinstance(findings, dict) else None,
        qa_refused=request.query_params.get("qa_refused"), qa_item=lambda item: QA_ITEMS.get(item, item),
        since=lambda c: days_since_contact(c, today), due=lambda c: promise_due(c, business_date),
        follow_up=lambda c: follow_up_due(c, business_date),
        csv_href="/queue.csv?" + urlencode({**base, **wanted.query(page=None, per_page=None)}))
    if own:
        keep_filter(request, page, user, wanted)
    return page


async def _nothing() -> None:
    return None
