"""/queue: the collector's open cases, most urgent first, with filters, paging and today's figures."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.workbench.adapters.api import ApiCaller
from services.workbench.domain.queue import (
    PER_PAGE,
    STAGES,
    QueueFilter,
    days_since_contact,
    page_of,
    promise_due,
    todays_figures,
)
from services.workbench.entrypoints.web.deps import api_for, business_date_of, local_today
from services.workbench.entrypoints.web.nav import N_
from services.workbench.entrypoints.web.render import render
from services.workbench.entrypoints.web.session import CurrentUser

router = APIRouter(tags=["queue"])
# the default scorecard's items (collections' LOANFLOW_COLLECTIONS_QA_SCORECARD may name others: shown as is)
QA_ITEMS = {"identified_self_and_company": N_("identified self and company"),
            "verified_right_party": N_("verified right party"),
            "stated_amount_and_due_date": N_("stated amount and due date"),
            "no_threat_or_abuse": N_("no threat or abuse"),
            "no_third_party_disclosure": N_("no disclosure to a third party"),
            "within_allowed_hours": N_("within allowed hours"), "offered_ways_to_pay": N_("offered the ways to pay"),
            "recorded_promise_correctly": N_("recorded the promise correctly")}


async def load_queue(api: ApiCaller, cap: int, collector: str | None = None,
                     queue: str | None = None) -> tuple[tuple[list[Any], bool], Any]:
    """The API calls /queue makes, at once: the whole queue (one to four API pages) and the business date."""
    cases, day = await asyncio.gather(api.all_pages("collections", "/queue", cap, collector=collector, queue=queue),
                                      api.get_or_refusal("servicing", "/business-date"))
    return cases, day


@router.get("/queue")
async def queue_page(request: Request, user: CurrentUser) -> Response:
    """Loads the whole queue once (one to four API pages), then filters and pages it here."""
    api = api_for(request, user)
    wanted = QueueFilter.from_query(request.query_params)
    supervising = user.has("collections_supervisor", "legal", "admin")
    collector = (request.query_params.get("collector") or None) if supervising else None
    queue = (request.query_params.get("queue") or None) if supervising else None
    cap = request.app.state.settings.queue_fetch_limit
    ((cases, cut), day), findings = await asyncio.gather(
        load_queue(api, cap, collector, queue),
        api.get_or_refusal("collections", "/qa-findings", status="to_acknowledge", limit=100)
        if user.has("collector") else _nothing())
    business_date = business_date_of(day)
    today = local_today(request)
    shown = page_of(cases, wanted, today)
    base = {k: v for k, v in (("collector", collector), ("queue", queue)) if v}

    def link(**changes: object) -> str:
        return "/queue?" + urlencode({**base, **wanted.query(**changes)})

    return render(request, "queue.html", user=user, page=shown, wanted=wanted, figures=todays_figures(
        cases, today, business_date), business_date=business_date, cut=cut, cap=cap, stages=STAGES,
        per_page_options=PER_PAGE, link=link, collector=collector, queue=queue, base_query=urlencode(base),
        today=today, done=request.query_params.get("done"),
        qa_findings=findings.get("items", []) if isinstance(findings, dict) else None,
        qa_refused=request.query_params.get("qa_refused"), qa_item=lambda item: QA_ITEMS.get(item, item),
        since=lambda c: days_since_contact(c, today), due=lambda c: promise_due(c, business_date))


async def _nothing() -> None:
    return None
