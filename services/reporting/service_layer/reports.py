"""Build each report from the read models at the end of a business day."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import asyncpg

from services.reporting.adapters import agency_queries, queries
from services.reporting.adapters.arm_queries import arm_cohort
from services.reporting.adapters.arrangement_queries import arrangement_facts, recovered_under_arrangements
from services.reporting.adapters.legal_queries import legal_steps
from services.reporting.adapters.reach_queries import cases_open_at
from services.reporting.domain.agencies import agencies_report, commission_report, department_credit
from services.reporting.domain.arms import policy_arms_report
from services.reporting.domain.arrangements import arrangements_report
from services.reporting.domain.book import previous_month_end
from services.reporting.domain.collections import collections_report
from services.reporting.domain.delinquency import delinquency
from services.reporting.domain.errors import AsOfOutOfRange, BadPeriod, LoanNotFound
from services.reporting.domain.legal import legal_figures
from services.reporting.domain.portfolio import portfolio
from services.reporting.domain.timeline import causal_order, timeline_item


async def portfolio_report(conn: asyncpg.Connection, as_of: date) -> dict[str, Any]:
    """Portfolio figures as known at the end of `as_of`."""
    loans = await queries.loans_as_of(conn, as_of)
    return portfolio(as_of, loans, await queries.installments(conn, as_of), await queries.allocated(conn, as_of))


async def loan_book(conn: asyncpg.Connection, as_of: date) -> list[dict[str, Any]]:
    """Every loan disbursed by `as_of` with its state that day (borrower masked)."""
    return [{"loan_id": loan.loan_id, "borrower": loan.borrower_label, "region": loan.region,
             "product": loan.product, "principal": loan.principal,
             "disbursement_date": loan.disbursement_date.isoformat(), "status": loan.status,
             "outstanding_principal": loan.outstanding, "days_past_due": loan.days_past_due,
             "bucket": loan.bucket, "stage": loan.stage}
            for loan in await queries.loans_as_of(conn, as_of)]


async def delinquency_report(conn: asyncpg.Connection, as_of: date, threshold: int) -> dict[str, Any]:
    """Delinquency at the end of `as_of` against the previous month end (January of year 1 has none: 422)."""
    if as_of < date(1, 2, 1):
        raise AsOfOutOfRange("as_of has no previous month end to compare with")
    month_end = previous_month_end(as_of)
    return delinquency(as_of, await queries.loans_as_of(conn, as_of), month_end,
                       await queries.loans_as_of(conn, month_end), threshold)


async def collections_figures(conn: asyncpg.Connection, start: date, end: date,
                              group_by: str | None, visit_target: int = 25,
                              department_share: Decimal = Decimal("0.70")) -> dict[str, Any]:
    """Collections figures over business days `start`..`end` (a start after the end: 400)."""
    if start > end:
        raise BadPeriod("'from' must not be after 'to'")
    regions, households = await queries.loan_places(conn)
    report = collections_report(start, end, await queries.activities(conn, start, end),
                                await queries.case_histories(conn, end), regions, households, group_by,
                                open_cases=await cases_open_at(conn, end), visit_target=visit_target)
    recovered = await agency_queries.recoveries(conn, start, end)
    report["agencies"] = agencies_report(await agency_queries.placements(conn, end), recovered, start, end)
    commission = commission_report(recovered, start, end)
    report["commission_by_month"], report["commission_by_channel"] = commission["by_month"], commission["by_channel"]
    for name, figures in report["collectors"].items():
        figures["commission_by_month"] = commission["by_collector"].get(name, {})
        figures["department_share"] = department_credit(figures["commission"], department_share)
    report["legal"] = legal_figures(await legal_steps(conn, end), start, end)
    report["arrangements"] = arrangements_report(await arrangement_facts(conn, end), start, end,
                                                 await recovered_under_arrangements(conn, start, end))
    return report


async def policy_arms(conn: asyncpg.Connection, start: date, end: date) -> dict[str, Any]:
    """Champion vs challenger over the cases opened in `start`..`end` (a start after the end: 400)."""
    if start > end:
        raise BadPeriod("'from' must not be after 'to'")
    return {"from": start.isoformat(), "to": end.isoformat(), **policy_arms_report(await arm_cohort(conn, start, end))}


async def loan_timeline(conn: asyncpg.Connection, loan_id: str) -> list[dict[str, Any]]:
    """Every event about a loan in causal order, each with who did it and what caused it."""
    events = await queries.loan_events(conn, loan_id)
    if not events:
        raise LoanNotFound(f"no events about loan {loan_id}")
    ordered = causal_order(events)
    causes: dict[str, Any] = {e.event_id: e for e in events}
    missing = [e.causationid for e in events if e.causationid and e.causationid not in causes]
    if missing:
        causes.update(await queries.events_by_id(conn, missing))
    return [timeline_item(e, causes) for e in ordered]
