"""The loan directory: borrower and the three contacts from loan.disbursed, for tracing."""

from __future__ import annotations

from typing import Any

import asyncpg

FINISHED = ("current", "paid_off", "written_off")


async def record_disbursed(conn: asyncpg.Connection, data: Any) -> None:
    await conn.execute(
        """INSERT INTO loan_directory (loan_id, borrower, contacts, principal, disbursement_date)
           VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (loan_id) DO UPDATE SET borrower = EXCLUDED.borrower, contacts = EXCLUDED.contacts,
             principal = EXCLUDED.principal, disbursement_date = EXCLUDED.disbursement_date""",
        data.loan_id, data.borrower.model_dump(mode="json"), [c.model_dump(mode="json") for c in data.contacts],
        data.principal, data.disbursement_date)


async def observe_servicing(conn: asyncpg.Connection, loan_id: str, sequence: int,
                            status: str) -> tuple[int, str | None]:
    """Note the loan's latest servicing status; returns the (sequence, status) known BEFORE this event.

    Row-locks the loan so events about one loan are handled one at a time.
    """
    await conn.execute("INSERT INTO loan_directory (loan_id) VALUES ($1) ON CONFLICT DO NOTHING", loan_id)
    row = await conn.fetchrow(
        "SELECT servicing_seq, servicing_status FROM loan_directory WHERE loan_id = $1 FOR UPDATE", loan_id)
    if sequence > row["servicing_seq"]:
        await conn.execute("UPDATE loan_directory SET servicing_seq = $2, servicing_status = $3 WHERE loan_id = $1",
                           loan_id, sequence, status)
    return row["servicing_seq"], row["servicing_status"]


async def get(conn: asyncpg.Connection, loan_id: str) -> dict[str, Any] | None:
    row = await conn.fetchrow("SELECT borrower, contacts, principal, disbursement_date FROM loan_directory "
                              "WHERE loan_id = $1", loan_id)
    return dict(row) if row else None
