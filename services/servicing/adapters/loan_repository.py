"""Loads loans from their event streams and keeps the loan read-model tables in step.

The tables (`loans`, `installments`, `charges`) are written in the same transaction as
each append to the loan's stream, so set-based day-close can read them as the truth.
"""

from __future__ import annotations

from datetime import date

import asyncpg

from services.servicing.domain.loan import Loan
from shared.contracts.registry import parse_data
from shared.contracts.servicing import ScheduleCreated
from shared.eventstore import PostgresEventStore


def stream_of(loan_id: str) -> str:
    """The event stream of a loan."""
    return f"loan-{loan_id}"


async def load(conn: asyncpg.Connection, store: PostgresEventStore, loan_id: str) -> Loan:
    """The loan folded from its stream (version 0 and no installments when unknown)."""
    events = await store.load(conn, stream_of(loan_id))
    return Loan.fold(loan_id, ((parse_data(e), e.businessdate) for e in events))


async def insert_new(conn: asyncpg.Connection, loan: Loan, schedule: ScheduleCreated, *, product: str | None,
                     borrower_name: str | None) -> None:
    """Create the read-model rows of a freshly scheduled loan."""
    await conn.execute(
        """INSERT INTO loans (loan_id, stream_id, version, status, principal, annual_rate, term_months,
                              repayment_method, disbursement_date, due_day, product, borrower_name,
                              principal_outstanding)
           VALUES ($1, $2, $3, 'current', $4, $5, $6, $7, $8, $9, $10, $11, $4)""",
        loan.loan_id, stream_of(loan.loan_id), loan.version, schedule.principal, schedule.annual_rate,
        schedule.term_months, schedule.repayment_method, schedule.disbursement_date, schedule.due_day,
        product, borrower_name)
    await conn.execute(
        """INSERT INTO installments (loan_id, number, due_date, principal, interest, settled)
           SELECT $1, u.n, u.d, u.p, u.i, u.s
           FROM unnest($2::int[], $3::date[], $4::numeric[], $5::numeric[], $6::bool[]) AS u(n, d, p, i, s)""",
        loan.loan_id, [i.number for i in loan.installments], [i.due_date for i in loan.installments],
        [i.principal for i in loan.installments], [i.interest for i in loan.installments],
        [i.settled for i in loan.installments])  # an installment of 0.00 owes nothing: settled from the start


async def save(conn: asyncpg.Connection, loan: Loan, on: date) -> None:
    """Write the loan's state (as of business date `on`) over its read-model rows."""
    await conn.execute(
        """UPDATE loans SET version = $2, status = $3, principal_outstanding = $4, overdue_since = $5,
                            total_paid = $6, closed_on = $7, updated_at = now()
           WHERE loan_id = $1""",
        loan.loan_id, loan.version, loan.status(on), loan.principal_outstanding, loan.overdue_since(on),
        loan.total_paid, loan.closed_on)
    insts = loan.installments
    await conn.execute(
        """UPDATE installments i SET principal_paid = u.pp, interest_paid = u.ip, interest_waived = u.iw,
                                     settled = u.s
           FROM unnest($2::int[], $3::numeric[], $4::numeric[], $5::numeric[], $6::bool[]) AS u(n, pp, ip, iw, s)
           WHERE i.loan_id = $1 AND i.number = u.n""",
        loan.loan_id, [i.number for i in insts], [i.principal_paid for i in insts],
        [i.interest_paid for i in insts], [i.interest_waived for i in insts], [i.settled for i in insts])
    arranged = [i for i in insts if i.plan is not None]
    if arranged:  # an arrangement's instalments are installments too (day-close judges their due dates)
        await conn.execute(
            """INSERT INTO installments (loan_id, number, due_date, principal, interest, principal_paid,
                                         interest_paid, interest_waived, settled)
               SELECT $1, u.n, u.d, u.p, u.i, u.pp, u.ip, u.iw, u.s
               FROM unnest($2::int[], $3::date[], $4::numeric[], $5::numeric[], $6::numeric[], $7::numeric[],
                           $8::numeric[], $9::bool[]) AS u(n, d, p, i, pp, ip, iw, s)
               ON CONFLICT (loan_id, number) DO NOTHING""",
            loan.loan_id, [i.number for i in arranged], [i.due_date for i in arranged],
            [i.principal for i in arranged], [i.interest for i in arranged], [i.principal_paid for i in arranged],
            [i.interest_paid for i in arranged], [i.interest_waived for i in arranged],
            [i.settled for i in arranged])
    if loan.charges:
        cs = loan.charges
        await conn.execute(
            """INSERT INTO charges (charge_id, loan_id, kind, amount, paid, installment_number, applied_on)
               SELECT u.id, $1, u.k, u.a, u.p, u.n, u.d
               FROM unnest($2::text[], $3::text[], $4::numeric[], $5::numeric[], $6::int[], $7::date[])
                   WITH ORDINALITY AS u(id, k, a, p, n, d, o)
               ORDER BY u.o
               ON CONFLICT (charge_id) DO UPDATE SET paid = EXCLUDED.paid""",
            loan.loan_id, [c.charge_id for c in cs], [c.kind for c in cs], [c.amount for c in cs],
            [c.paid for c in cs], [c.installment_number for c in cs], [c.applied_on for c in cs])

