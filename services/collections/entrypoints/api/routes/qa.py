"""Call quality (issue 16): the week's QA sample, scorecard reviews, findings and the collector's acknowledgement.

Role `qa` sees the sampled contacts with their recording references (never whole cases: the
sample carries what a review needs); supervisors see the sample and every finding; a collector
sees and acknowledges only the findings on their own contacts.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import Field

from services.collections.adapters import qa as qa_rows
from services.collections.domain import commands as c
from services.collections.domain.qa import Finding, Review, ScorecardItem
from services.collections.entrypoints.api.deps import Bus, CtxDep, page, reading
from services.collections.entrypoints.api.public import Public
from services.collections.entrypoints.api.schemas import Body
from services.collections.service_layer.qa import week_sample
from shared.auth import Principal, require_roles
from shared.contracts.collections import QaScore, Recording
from shared.paging import parse_cursor
from shared.service import IdempotencyDep

router = APIRouter(tags=["call quality"])

SAMPLE_READERS = ("qa", "collections_supervisor", "admin")
FINDING_READERS = ("collector", "qa", "collections_supervisor", "admin")
FINDING_OVERSEERS = frozenset({"qa", "collections_supervisor", "admin"})  # see every collector's findings
SampleReader = Annotated[Principal, Depends(require_roles(*SAMPLE_READERS))]
Reviewer = Annotated[Principal, Depends(require_roles("qa"))]
FindingReader = Annotated[Principal, Depends(require_roles(*FINDING_READERS))]
Collector = Annotated[Principal, Depends(require_roles("collector"))]


class ReviewPublic(Review):
    """A contact's review: every scorecard item's score, the failed items as findings."""

    model_config = {"extra": "forbid"}


class SampleItemPublic(Public):
    """A sampled recorded contact: whose, when, its recording reference, and its review once scored."""

    contact_id: str
    case_id: str
    loan_id: str
    collector: str
    channel: str
    outcome: str
    contacted_at: datetime
    business_date: date
    recording: Recording
    review: ReviewPublic | None


class SamplePublic(Public):
    """A week's sample as drawn (once): `seed` and `population` draw `sample` again (audit)."""

    week: str
    seed: str
    per_collector: int
    drawn_by: str
    drawn_on: date
    population: dict[str, list[str]]
    sample: dict[str, list[str]]
    items: list[SampleItemPublic]
    scorecard: list[ScorecardItem]


class FindingPublic(Finding):
    """A failed scorecard item of a review, and whether the collector has acknowledged its coaching."""

    model_config = {"extra": "forbid"}
    review_id: str
    contact_id: str
    case_id: str
    collector: str
    week: str
    reviewed_on: date
    reviewer: str


class FindingsPage(Public):
    items: list[FindingPublic]
    next_cursor: str | None


class ReviewCreate(Body):
    scores: dict[str, QaScore] = Field(description="every scorecard item: pass, fail or na")
    note: str | None = Field(None, max_length=2000)
    coaching: bool = Field(False, description="every finding of this review requires coaching (besides the "
                                              "items configured so)")


class AcknowledgeBody(Body):
    note: str | None = Field(None, max_length=2000)


@router.get("/qa/sample", response_model=SamplePublic)
async def qa_sample(ctx: CtxDep, who: SampleReader,
                    week: str = Query(pattern=r"^\d{4}-W\d{2}$", description="an ISO week, e.g. 2026-W17")
                    ) -> dict[str, Any]:
    """The week's QA sample: per collector up to `LOANFLOW_COLLECTIONS_QA_SAMPLE_SIZE` of the week's recorded
    contacts (by business date), drawn at random once the week is over (409 `week_not_over` before).

    The first ask draws it with a fresh seed and records seed, population and draw in
    `collections.qa.sample_drawn`; every later ask answers the same sample. Only contacts with a
    recording are drawn: a review listens to the call (contacts without one have nothing to score).
    Each item carries its recording reference and, once scored, its review; `scorecard` is the one in force.
    """
    return await week_sample(ctx, week, who.sub)


@router.post("/contacts/{contact_id}/qa-reviews", status_code=201, response_model=ReviewPublic)
async def review_contact(bus: Bus, who: Reviewer, contact_id: str, body: ReviewCreate,
                         key: IdempotencyDep) -> dict[str, Any]:
    """Role qa scores a sampled contact: every scorecard item `pass`, `fail` or `na` (an unknown or missing item
    is 422 `unknown_scorecard_item` / `scorecard_incomplete`). Failed items are `findings`; one requires
    coaching when its item is configured so or `coaching` is true. Refused: a contact not in its week's drawn
    sample (409 `contact_not_sampled`), one without a recording (409 `contact_not_recorded`), one already
    reviewed (409 `already_reviewed`), one's own contact (403 `own_contact`). Optional Idempotency-Key."""
    return await bus.handle(c.ReviewContact(contact_id, who.sub, who.roles, scores=dict(body.scores),
                                            note=body.note, coaching=body.coaching, idempotency=key))


@router.get("/qa-findings", response_model=FindingsPage)
async def list_findings(request: Request, ctx: CtxDep, who: FindingReader,
                        collector: str | None = Query(None, description="whose contacts (qa and supervisors)"),
                        status: Literal["to_acknowledge"] | None = Query(
                            None, description="`to_acknowledge`: findings requiring coaching not yet acknowledged"),
                        week: str | None = Query(None, pattern=r"^\d{4}-W\d{2}$"),
                        limit: int = Query(50, ge=1, le=500), cursor: str | None = None) -> dict[str, Any]:
    """QA findings, oldest first; a collector sees only the findings on their own contacts."""
    offset = parse_cursor(cursor)
    if not who.roles & FINDING_OVERSEERS:
        collector = who.sub
    async with reading(request) as conn:
        rows = await qa_rows.findings(conn, collector=collector, open_only=status == "to_acknowledge", week=week,
                                      offset=offset, limit=limit)
        rows = await ctx.open(conn, rows)  # acknowledgement notes sealed with the borrower's key
    return page(rows, offset, limit)


@router.post("/qa-findings/{finding_id}/acknowledge", response_model=FindingPublic)
async def acknowledge_finding(bus: Bus, who: Collector, finding_id: str, body: AcknowledgeBody) -> dict[str, Any]:
    """The collector whose contact it was acknowledges a finding that requires coaching (403 `not_your_finding`
    for anyone else; 409 `coaching_not_required`, 409 `finding_acknowledged` when already done)."""
    return await bus.handle(c.AcknowledgeFinding(finding_id, who.sub, who.roles, note=body.note))
