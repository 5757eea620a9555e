"""Read the projected rows back as the domain's facts, as known at the end of a business day."""

from __future__ import annotations

from datetime import date
from typing import Any

import asyncpg

from services.reporting.adapters.writer import COMPLAINT_EVENTS
from services.reporting.domain.book import LoanAsOf, days_past_due
from services.reporting.domain.collections import Activity, CaseHistory
from services.reporting.domain.portfolio import Allocated, Installment
from services.reporting.domain.timeline import LoggedEvent

LOANS_AS_OF = """
SELECT l.loan_id, l.product, l.principal, l.disbursement_date, l.borrower_key, l.borrower_label,
       coalesce(l.region, a.region) AS region,
       coalesce(s.status, 'current') AS status, coalesce(s.outstanding, l.principal) AS outstanding, s.dpd_anchor,
       CASE WHEN s.status IN ('paid_off', 'written_off') THEN (
           SELECT min(c.businessdate) FROM rpt_loan_states c
           WHERE c.loan_id = l.loan_id AND c.businessdate <= $1 AND c.status = s.status) END AS closed_on
FROM rpt_loans l
LEFT JOIN LATERAL (
    SELECT st.status, st.outstanding, st.dpd_anchor, st.businessdate FROM rpt_loan_states st
    WHERE st.loan_id = l.loan_id AND st.businessdate <= $1
    ORDER BY st.businessdate DESC, st.sequence DESC, st.event_id DESC LIMIT 1) s ON true
LEFT JOIN LATERAL (
    SELECT a.region FROM rpt_applications a WHERE a.application_id = l.application_id
    ORDER BY a.sequence DESC, a.event_id DESC LIMIT 1) a ON true
WHERE l.businessdate <= $1
ORDER BY l.loan_id
"""


async def latest_business_date(conn: asyncpg.Connection) -> date | None:
    """The latest business date any projected event carries."""
    return await conn.fetchval("SELECT max(businessdate) FROM rpt_events")  # type: ignore[no-any-return]


async def loans_as_of(conn: asyncpg.Connection, as_of: date) -> list[LoanAsOf]:
    """Every loan disbursed by the end of `as_of`, with its state and collections stage then."""
    stages = stage_by_loan(await case_histories(conn, as_of), as_of)
    rows = await conn.fetch(LOANS_AS_OF, as_of)
    return [LoanAsOf(loan_id=r["loan_id"], product=r["product"], principal=r["principal"],
                     disbursement_date=r["disbursement_date"], borrower_key=r["borrower_key"],
                     borrower_label=r["borrower_label"], region=r["region"], status=r["status"],
                     outstanding=r["outstanding"], days_past_due=days_past_due(r["status"], r["dpd_anchor"], as_of),
                     stage=stages.get(r["loan_id"], "none"), closed_on=r["closed_on"])
            for r in rows]


async def case_histories(conn: asyncpg.Connection, as_of: date) -> list[CaseHistory]:
    """Each case's stage changes and resolution known by the end of `as_of`."""
    rows = await conn.fetch(
        """SELECT case_id, loan_id, businessdate, kind, stage, resolution FROM rpt_case_states
           WHERE businessdate <= $1 ORDER BY case_id, businessdate, sequence, event_id""", as_of)
    cases: dict[str, CaseHistory] = {}
    for r in rows:
        case = cases.setdefault(r["case_id"], CaseHistory(r["case_id"], r["loan_id"]))
        if r["kind"] == "resolved":
            case.resolved_on, case.resolution = r["businessdate"], r["resolution"]
        elif r["stage"] and (not case.stages or case.stages[-1][1] != r["stage"]):
            case.stages.append((r["businessdate"], r["stage"]))
    return list(cases.values())


def stage_by_loan(cases: list[CaseHistory], as_of: date) -> dict[str, str]:
    """Loan -> stage of its most recently opened case still open at `as_of`."""
    open_cases = sorted((c for c in cases if c.stages and (c.resolved_on is None or c.resolved_on > as_of)),
                        key=lambda c: (c.stages[0][0], c.case_id))
    return {c.loan_id: c.stages[-1][1] for c in open_cases}


async def installments(conn: asyncpg.Connection, as_of: date) -> list[Installment]:
    """Every installment of each loan's latest schedule known at the end of `as_of`."""
    rows = await conn.fetch(
        """SELECT s.loan_id, s.number, s.due_date, s.principal, s.interest FROM rpt_schedule s
           JOIN (SELECT DISTINCT ON (loan_id) loan_id, event_id FROM rpt_schedule WHERE businessdate <= $1
                 ORDER BY loan_id, businessdate DESC, sequence DESC, event_id DESC) latest USING (loan_id, event_id)
        """, as_of)
    return [Installment(r["loan_id"], r["number"], r["due_date"], r["principal"], r["interest"]) for r in rows]


async def allocated(conn: asyncpg.Connection, as_of: date) -> list[Allocated]:
    """Payments allocated by the end of `as_of`, summed per loan, installment and kind."""
    rows = await conn.fetch(
        """SELECT loan_id, installment_number, kind, sum(amount) AS amount FROM rpt_allocations
           WHERE businessdate <= $1 GROUP BY loan_id, installment_number, kind""", as_of)
    return [Allocated(r["loan_id"], r["installment_number"], r["kind"], r["amount"]) for r in rows]


async def activities(conn: asyncpg.Connection, start: date, end: date) -> list[Activity]:
    """Contacts, promise outcomes, recoveries, complaints/disputes, time-barred cases, QA reviews and findings in
    `start`..`end`."""
    out = [Activity(r["loan_id"], "contact", r["collector"], r["channel"], r["outcome"], reason=r["reason"],
                    visit_target=r["visit_target"]) for r in await conn.fetch(
        """SELECT loan_id, collector, channel, outcome, reason, visit_target FROM rpt_contacts
           WHERE businessdate BETWEEN $1 AND $2 ORDER BY businessdate, event_id""", start, end)]
    out += [Activity(r["loan_id"], "promise", r["collector"], outcome=r["kind"]) for r in await conn.fetch(
        """SELECT DISTINCT ON (promise_id, kind) loan_id, collector, kind FROM rpt_promises
           WHERE businessdate BETWEEN $1 AND $2 ORDER BY promise_id, kind, businessdate, event_id""", start, end)]
    out += [Activity(r["loan_id"], "recovery", r["collector"], amount=r["amount"], commission=r["commission"],
                     via=r["channel"])
            for r in await conn.fetch(
                """SELECT loan_id, collector, amount, commission, channel FROM rpt_recoveries
                   WHERE businessdate BETWEEN $1 AND $2""", start, end)]
    out += [Activity(r["loan_id"], r["kind"], None if r["actor"].startswith("system:") else r["actor"])
            for r in await conn.fetch(
        f"""SELECT loan_id, actor, CASE WHEN type = 'collections.statute.expired' THEN 'time_barred'
                                       ELSE 'complaint' END AS kind
            FROM rpt_events WHERE {COMPLAINT_EVENTS} AND businessdate BETWEEN $1 AND $2
                 AND type NOT IN ('collections.complaint.opened', 'collections.complaint.resolved')""",
        start, end)]
    # a complaint record (from rpt_complaints, not the log above) counts once, for the collector it is about
    out += [Activity(r["loan_id"], "complaint", r["collector"]) for r in await conn.fetch(
        "SELECT loan_id, collector FROM rpt_complaints WHERE businessdate BETWEEN $1 AND $2", start, end)]
    # call quality (issue 16): a QA review of the collector's recorded contact, and each of its findings
    out += [Activity(r["loan_id"], "qa_review", r["collector"]) for r in await conn.fetch(
        "SELECT loan_id, collector FROM rpt_qa_reviews WHERE businessdate BETWEEN $1 AND $2", start, end)]
    out += [Activity(r["loan_id"], "qa_finding", r["collector"], outcome=r["item"]) for r in await conn.fetch(
        "SELECT loan_id, collector, item FROM rpt_qa_findings WHERE businessdate BETWEEN $1 AND $2", start, end)]
    return out


async def loan_places(conn: asyncpg.Connection) -> tuple[dict[str, str | None], dict[str, str]]:
    """Loan -> borrower's region, and loan -> borrower key (households of the village round-ups)."""
    rows = await conn.fetch(
        """SELECT l.loan_id, l.borrower_key, coalesce(l.region, (
               SELECT a.region FROM rpt_applications a WHERE a.application_id = l.application_id
               ORDER BY a.sequence DESC, a.event_id DESC LIMIT 1)) AS region
           FROM rpt_loans l""")
    return {r["loan_id"]: r["region"] for r in rows}, {r["loan_id"]: r["borrower_key"] for r in rows}


async def loan_events(conn: asyncpg.Connection, loan_id: str) -> list[LoggedEvent]:
    """Every logged event about a loan, including its application's events before disbursement."""
    rows = await conn.fetch(
        # The application ids are computed first (an InitPlan), so both arms are index lookups.
        """SELECT * FROM rpt_events WHERE loan_id = $1 OR application_id = ANY(ARRAY(
               SELECT application_id FROM rpt_events WHERE loan_id = $1 AND application_id IS NOT NULL))""",
        loan_id)
    return [_logged(r) for r in rows]


async def events_by_id(conn: asyncpg.Connection, ids: list[str]) -> dict[str, tuple[str, str]]:
    """Event id -> (type, source) for the given ids (causes outside the loan's own events)."""
    rows = await conn.fetch("SELECT event_id, type, source FROM rpt_events WHERE event_id = ANY($1::text[])", ids)
    return {r["event_id"]: (r["type"], r["source"]) for r in rows}


def _logged(r: Any) -> LoggedEvent:
    return LoggedEvent(event_id=r["event_id"], type=r["type"], source=r["source"], subject=r["subject"],
                       sequence=r["sequence"], businessdate=r["businessdate"], time=r["time"],
                       causationid=r["causationid"], correlationid=r["correlationid"], actor=r["actor"],
                       data=r["data"])
