"""Set-based SQL of day-close: what is due, missed and overdue across the whole book.

These reads feed `domain/dayclose.plan_day` in the test that holds the one-statement
day-close (`adapters/dayclose_events.py`) to the domain rules; day-close itself writes
everything in that statement.

Each query reads every relevant loan at once through the partial index on open
installments (`NOT settled`), so the cost follows the number of due or overdue loans,
not a Python loop over the book.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import asyncpg

ACTIVE = "('current', 'overdue')"

# Two steps each (open installments, then their active loans by key): one join lets the
# planner, misled by the partial index's statistics, hash the whole loans table.
OVERDUE_INSTALLMENTS = """
SELECT loan_id, min(due_date) AS since, min(number) AS first_number,
       sum(principal - principal_paid) AS principal_overdue,
       sum(principal - principal_paid + interest - interest_paid - interest_waived) AS amount_overdue,
       max(number) FILTER (WHERE due_date = $1::date - 1) AS missed_number,
       round(sum(principal - principal_paid) * $2::numeric, 2) AS penalty
FROM installments
WHERE NOT settled AND due_date < $1::date
GROUP BY loan_id
"""

DUE_INSTALLMENTS = """
SELECT loan_id, number, due_date,
       principal - principal_paid + interest - interest_paid - interest_waived AS amount_due
FROM installments
WHERE NOT settled AND due_date = $1::date
"""

ACTIVE_LOANS = f"""
SELECT loan_id, principal_outstanding FROM loans WHERE loan_id = ANY($1::text[]) AND status IN {ACTIVE}
"""


async def _of_active_loans(conn: asyncpg.Connection, rows: list[asyncpg.Record]) -> list[dict[str, Any]]:
    active = {r["loan_id"]: r["principal_outstanding"]
              for r in await conn.fetch(ACTIVE_LOANS, list({r["loan_id"] for r in rows}))}
    return [{**dict(r), "principal_outstanding": active[r["loan_id"]]} for r in rows if r["loan_id"] in active]


async def overdue_loans(conn: asyncpg.Connection, day: date, penalty_rate: Decimal) -> list[dict[str, Any]]:
    """Every active loan with an unpaid installment due before `day`, with penalty for the day."""
    return await _of_active_loans(conn, await conn.fetch(OVERDUE_INSTALLMENTS, day, penalty_rate))


async def due_on(conn: asyncpg.Connection, due: date) -> list[dict[str, Any]]:
    """Unpaid installments of active loans falling due on `due` (for reminders)."""
    return await _of_active_loans(conn, await conn.fetch(DUE_INSTALLMENTS, due))


async def already_closed(conn: asyncpg.Connection, day: date) -> bool:
    return bool(await conn.fetchval("SELECT 1 FROM day_closes WHERE business_date = $1", day))


async def record_closed(conn: asyncpg.Connection, day: date, loans: int, events: int, seconds: float) -> None:
    await conn.execute(
        "INSERT INTO day_closes (business_date, loans_processed, events, seconds) VALUES ($1, $2, $3, $4)",
        day, loans, events, seconds)


async def last_closed(conn: asyncpg.Connection) -> date | None:
    return await conn.fetchval("SELECT max(business_date) FROM day_closes")  # type: ignore[no-any-return]
