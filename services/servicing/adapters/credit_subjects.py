"""Whom the credit bureau files each loan's records under, as `loan.disbursed` told servicing."""

from __future__ import annotations

import asyncpg

from services.servicing.domain.credit_record import Subject


async def record(conn: asyncpg.Connection, loan_id: str, subject: Subject) -> None:
    await conn.execute(
        "INSERT INTO credit_subjects (loan_id, application_id, name, id_number) VALUES ($1, $2, $3, $4) "
        "ON CONFLICT (loan_id) DO NOTHING",
        loan_id,
        subject.application_id,
        subject.name,
        subject.id_number,
    )


async def get(conn: asyncpg.Connection, loan_id: str) -> Subject:
    row = await conn.fetchrow("SELECT application_id, name, id_number FROM credit_subjects WHERE loan_id = $1", loan_id)
    return Subject() if row is None else Subject(row["application_id"], row["name"], row["id_number"])
