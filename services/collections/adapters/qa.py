"""Call-quality rows: recorded contacts (what the weekly sample draws from), samples, reviews, findings.

Each is a read model written in the transaction of the event it comes from (a recorded
`collections.contact.logged`, `collections.qa.sample_drawn`, `collections.qa.reviewed`,
`collections.qa.coaching_acknowledged`).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import asyncpg

from services.collections.domain.qa import Finding, RecordedContact, Review, Sample, iso_week
from shared.contracts.collections import Recording


async def record_recording(conn: asyncpg.Connection, *, contact_id: str, case_id: str, loan_id: str, collector: str,
                           channel: str, outcome: str, at: datetime, business_date: date,
                           recording: Recording) -> None:
    await conn.execute(
        """INSERT INTO recordings (contact_id, case_id, loan_id, collector, channel, outcome, contacted_at,
                                   business_date, week, recording)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)""",
        contact_id, case_id, loan_id, collector, channel, outcome, at, business_date, iso_week(business_date),
        recording.model_dump(mode="json"))


def _recorded(r: asyncpg.Record) -> RecordedContact:
    return RecordedContact(contact_id=r["contact_id"], case_id=r["case_id"], loan_id=r["loan_id"],
                           collector=r["collector"], channel=r["channel"], outcome=r["outcome"],
                           contacted_at=r["contacted_at"], business_date=r["business_date"],
                           recording=Recording.model_validate(r["recording"]))


async def recorded_in(conn: asyncpg.Connection, week: str) -> list[RecordedContact]:
    """The recorded contacts of a week (by business date), by collector and contact id."""
    rows = await conn.fetch("SELECT * FROM recordings WHERE week = $1 ORDER BY collector, contact_id", week)
    return [_recorded(r) for r in rows]


async def recorded(conn: asyncpg.Connection, contact_ids: list[str]) -> dict[str, RecordedContact]:
    rows = await conn.fetch("SELECT * FROM recordings WHERE contact_id = ANY($1)", contact_ids)
    return {r["contact_id"]: _recorded(r) for r in rows}


async def lock_week(conn: asyncpg.Connection, week: str) -> None:
    """One drawer of a week at a time (the transaction's advisory lock)."""
    await conn.execute("SELECT pg_advisory_xact_lock(hashtext('qa-sample:' || $1))", week)


async def sample_of(conn: asyncpg.Connection, week: str) -> Sample | None:
    row = await conn.fetchrow("SELECT * FROM qa_samples WHERE week = $1", week)
    if row is None:
        return None
    return Sample(week=row["week"], seed=row["seed"], per_collector=row["per_collector"], drawn_by=row["drawn_by"],
                  drawn_on=row["drawn_on"], population=row["population"], sample=row["sample"])


async def save_sample(conn: asyncpg.Connection, sample: Sample) -> None:
    await conn.execute(
        """INSERT INTO qa_samples (week, seed, per_collector, drawn_by, drawn_on, population, sample)
           VALUES ($1, $2, $3, $4, $5, $6, $7)""",
        sample.week, sample.seed, sample.per_collector, sample.drawn_by, sample.drawn_on, sample.population,
        sample.sample)


async def sampled_week(conn: asyncpg.Connection, contact_id: str, week: str) -> bool:
    """Whether the contact is in its week's drawn sample."""
    return bool(await conn.fetchval(
        """SELECT EXISTS (SELECT 1 FROM qa_samples s, jsonb_each(s.sample) AS per(collector, ids)
                          WHERE s.week = $1 AND per.ids ? $2)""", week, contact_id))


async def save_review(conn: asyncpg.Connection, review: Review) -> None:
    """Upsert the review and its findings as the review's stream now holds them."""
    await conn.execute(
        """INSERT INTO qa_reviews (review_id, contact_id, case_id, collector, reviewer, week, reviewed_on, review)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
           ON CONFLICT (review_id) DO UPDATE SET review = EXCLUDED.review""",
        review.review_id, review.contact_id, review.case_id, review.collector, review.reviewer, review.week,
        review.reviewed_on, review.model_dump(mode="json"))
    for f in review.findings:
        await conn.execute(
            """INSERT INTO qa_findings (finding_id, review_id, contact_id, case_id, collector, item,
                                        coaching_required, acknowledged_on, finding)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
               ON CONFLICT (finding_id) DO UPDATE SET acknowledged_on = EXCLUDED.acknowledged_on,
                                                      finding = EXCLUDED.finding""",
            f.finding_id, review.review_id, review.contact_id, review.case_id, review.collector, f.item,
            f.coaching_required, f.acknowledged_on, _finding_row(review, f))


def _finding_row(review: Review, f: Finding) -> dict[str, Any]:
    return {**f.model_dump(mode="json"), "review_id": review.review_id, "contact_id": review.contact_id,
            "case_id": review.case_id, "collector": review.collector, "week": review.week,
            "reviewed_on": review.reviewed_on.isoformat(), "reviewer": review.reviewer}


async def reviews_of(conn: asyncpg.Connection, contact_ids: list[str]) -> dict[str, Review]:
    rows = await conn.fetch("SELECT review FROM qa_reviews WHERE contact_id = ANY($1)", contact_ids)
    return {r["review"]["contact_id"]: Review.model_validate(r["review"]) for r in rows}


async def review_of_finding(conn: asyncpg.Connection, finding_id: str) -> str | None:
    """The contact whose review holds the finding."""
    return await conn.fetchval("SELECT contact_id FROM qa_findings WHERE finding_id = $1", finding_id)


async def findings(conn: asyncpg.Connection, *, collector: str | None, open_only: bool, week: str | None,
                   offset: int, limit: int) -> list[dict[str, Any]]:
    """Findings oldest first; `open_only`: those that require coaching and are not yet acknowledged."""
    rows = await conn.fetch(
        """SELECT f.finding FROM qa_findings f JOIN qa_reviews r USING (review_id)
           WHERE ($1::text IS NULL OR f.collector = $1)
             AND (NOT $2 OR (f.coaching_required AND f.acknowledged_on IS NULL))
             AND ($3::text IS NULL OR r.week = $3)
           ORDER BY f.seq OFFSET $4 LIMIT $5""", collector, open_only, week, offset, limit)
    return [dict(r["finding"]) for r in rows]
