"""Call quality (issue 16): draw a week's sample, review a sampled contact, acknowledge coaching.

Streams (one aggregate each, apart from the cases: a review never changes a case):
`qa-sample-<week>` holds the week's one `collections.qa.sample_drawn`; `qa-review-<contact id>`
holds the contact's `collections.qa.reviewed` and then one `collections.qa.coaching_acknowledged`
per acknowledged finding. Rows (adapters/qa.py) are written in the same transaction.
"""

from __future__ import annotations

import secrets
from typing import Any

import asyncpg

from services.collections.adapters import qa as qa_rows
from services.collections.adapters.sealing import seal_event
from services.collections.domain import commands as c
from services.collections.domain import qa
from services.collections.domain.errors import CaseRuleViolation
from services.collections.service_layer.context import SOURCE, Collections
from shared.contracts import collections as ev
from shared.contracts import make_event, parse_data
from shared.errors import NotFound
from shared.messagebus import Handler


def sample_stream(week: str) -> str:
    return f"qa-sample-{week}"


def review_stream(contact_id: str) -> str:
    return f"qa-review-{contact_id}"


def _sample(e: ev.QaSampleDrawn) -> qa.Sample:
    return qa.Sample(week=e.week, seed=e.seed, per_collector=e.per_collector, drawn_by=e.drawn_by,
                     drawn_on=e.drawn_on, population=e.population, sample=e.sample)


async def sample_view(ctx: Collections, conn: asyncpg.Connection, sample: qa.Sample) -> dict[str, Any]:
    """The drawn sample with each contact's recording reference and review (if any), and the scorecard."""
    ids = [i for ids in sample.sample.values() for i in ids]
    contacts, reviews = await qa_rows.recorded(conn, ids), await qa_rows.reviews_of(conn, ids)
    items = []
    for collector, picked in sample.sample.items():
        for contact_id in picked:
            contact, done = contacts[contact_id], reviews.get(contact_id)
            items.append({**contact.model_dump(mode="json"), "collector": collector,
                          "review": None if done is None else done.model_dump(mode="json")})
    return await ctx.open(conn, {**sample.model_dump(mode="json"), "items": items,  # reviews' notes: sealed
                                 "scorecard": [i.model_dump() for i in ctx.qa_scorecard]})


async def week_sample(ctx: Collections, week: str, by: str) -> dict[str, Any]:
    """The week's sample: drawn at the first ask once the week is over (a fresh seed, recorded with the draw in
    `collections.qa.sample_drawn`), then the same every time."""
    qa.week_days(week)
    async with ctx.unit_of_work() as uow:
        conn = uow.conn
        await qa_rows.lock_week(conn, week)
        sample = await qa_rows.sample_of(conn, week)
        if sample is None:
            business_date = await ctx.business_date(conn)
            drawn = qa.draw_sample(week=week, seed=secrets.token_hex(8), contacts=await qa_rows.recorded_in(conn, week),
                                   per_collector=ctx.qa_sample_size, by=by, business_date=business_date)
            await uow.append(sample_stream(week), [make_event(SOURCE, drawn, subject=f"qa-{week}",
                                                              businessdate=business_date)], 0)
            sample = _sample(drawn)
            await qa_rows.save_sample(conn, sample)
        return await sample_view(ctx, conn, sample)


async def _load_review(ctx: Collections, conn: asyncpg.Connection, contact_id: str) -> tuple[qa.Review | None, int]:
    events = await ctx.store.load(conn, review_stream(contact_id))
    return qa.fold_review(parse_data(e) for e in events), len(events)  # type: ignore[misc]


async def review_contact(cmd: c.ReviewContact, ctx: Collections) -> dict[str, Any]:
    """Score a sampled recorded contact; answers the review (with its findings)."""
    async with ctx.unit_of_work() as uow:
        async def act() -> dict[str, Any]:
            conn = uow.conn
            contact = (await qa_rows.recorded(conn, [cmd.contact_id])).get(cmd.contact_id)
            if contact is None:
                if await conn.fetchval("SELECT 1 FROM contacts WHERE contact_id = $1", cmd.contact_id):
                    raise CaseRuleViolation("contact_not_recorded", f"contact {cmd.contact_id} has no recording to "
                                            "review")
                raise NotFound(f"no contact {cmd.contact_id}")
            existing, version = await _load_review(ctx, conn, cmd.contact_id)
            business_date = await ctx.business_date(conn)
            reviewed = qa.review(review_id=f"qr-{cmd.contact_id}", contact=contact,
                                 sample=await qa_rows.sample_of(conn, qa.iso_week(contact.business_date)),
                                 reviewer=cmd.by, scorecard=ctx.qa_scorecard, scores=cmd.scores, note=cmd.note,
                                 coaching=cmd.coaching, business_date=business_date, reviewed=existing is not None)
            reviewed = seal_event(reviewed, await ctx.borrower_key(conn, contact.loan_id))  # the reviewer's note
            await uow.append(review_stream(cmd.contact_id), [make_event(SOURCE, reviewed, subject=contact.loan_id,
                                                                        businessdate=business_date)], version)
            done = qa.fold_review([reviewed])
            assert done is not None
            await qa_rows.save_review(conn, done)
            return await ctx.open(conn, done.model_dump(mode="json"))

        return await uow.once(f"collections:{cmd.by}:/v1/contacts/{cmd.contact_id}/qa-reviews", cmd.idempotency, act)


async def acknowledge_finding(cmd: c.AcknowledgeFinding, ctx: Collections) -> dict[str, Any]:
    """The collector acknowledges a finding that requires coaching; answers the finding."""
    async with ctx.unit_of_work() as uow:
        conn = uow.conn
        contact_id = await qa_rows.review_of_finding(conn, cmd.finding_id)
        if contact_id is None:
            raise NotFound(f"no finding {cmd.finding_id}")
        current, version = await _load_review(ctx, conn, contact_id)
        assert current is not None
        business_date = await ctx.business_date(conn)
        acknowledged = qa.acknowledge(current, finding_id=cmd.finding_id, by=cmd.by, note=cmd.note,
                                      business_date=business_date)
        acknowledged = seal_event(acknowledged, await ctx.borrower_key(conn, current.loan_id))  # the note
        await uow.append(review_stream(contact_id), [make_event(SOURCE, acknowledged, subject=current.loan_id,
                                                                businessdate=business_date)], version)
        events = [parse_data(e) for e in await ctx.store.load(conn, review_stream(contact_id))]
        done = qa.fold_review(events)  # type: ignore[arg-type]
        assert done is not None
        await qa_rows.save_review(conn, done)
        finding = next(f for f in done.findings if f.finding_id == cmd.finding_id)
        return await ctx.open(conn, {
            **finding.model_dump(mode="json"), "review_id": done.review_id, "contact_id": done.contact_id,
            "case_id": done.case_id, "collector": done.collector, "week": done.week,
            "reviewed_on": done.reviewed_on.isoformat(), "reviewer": done.reviewer})


QA_HANDLERS: dict[type[Any], Handler[Collections]] = {
    c.ReviewContact: review_contact,
    c.AcknowledgeFinding: acknowledge_finding,
}
