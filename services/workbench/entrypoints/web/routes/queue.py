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
from services.workbench.entrypoints.web.render import render
from services.workbench.entrypoints.web.session import CurrentUser

router = APIRouter(tags=["queue"])


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
    (cases, cut), day = await load_queue(api, cap, collector, queue)
    business_date = business_date_of(day)
    today = local_today(request)
    shown = page_of(cases, wanted, today)
    base = {k: v for k, v in (("collector", collector), ("queue", queue)) if v}

    def link(**changes: object) -> str:
        return "/queue?" + urlencode({**base, **wanted.query(**changes)})

    return render(request, "queue.html", user=user, page=shown, wanted=wanted, figures=todays_figures(
        cases, today, business_date), business_date=business_date, cut=cut, cap=cap, stages=STAGES,
        per_page_options=PER_PAGE, link=link, collector=collector, queue=queue, base_query=urlencode(base),
        today=today,
        since=lambda c: days_since_contact(c, today), due=lambda c: promise_due(c, business_date))
