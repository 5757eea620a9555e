"""The loan directory: borrower (with addresses and employer), the three contacts and the guarantor from
loan.disbursed, for contact points and tracing."""

from __future__ import annotations

from datetime import date
from typing import Any

import asyncpg

from shared.datakeys import KeyRing, key_ids_in

FINISHED = ("current", "paid_off", "written_off")


def entry(data: Any) -> dict[str, Any]:
    """A loan's directory entry from its `loan.disbursed` (the fields decisions read, as stored): what
    `record_disbursed` writes and the what-if gives a re-decided case (`--source topics`)."""
    return {"borrower": data.borrower.model_dump(mode="json"),
            "contacts": [c.model_dump(mode="json") for c in data.contacts], "guarantor": _guarantor(data)}


async def record_disbursed(conn: asyncpg.Connection, data: Any) -> None:
    found = entry(data)
    await conn.execute(
        """INSERT INTO loan_directory (loan_id, borrower, contacts, principal, disbursement_date, application_id,
                                      guarantor)
           VALUES ($1, $2, $3, $4, $5, $6, $7)
           ON CONFLICT (loan_id) DO UPDATE SET borrower = EXCLUDED.borrower, contacts = EXCLUDED.contacts,
             principal = EXCLUDED.principal, disbursement_date = EXCLUDED.disbursement_date,
             application_id = EXCLUDED.application_id, guarantor = EXCLUDED.guarantor""",
        data.loan_id, found["borrower"], found["contacts"], data.principal, data.disbursement_date,
        data.application_id, found["guarantor"])
    await record_originator(conn, data.application_id, data.disbursed_by, "disburser")


def _guarantor(data: Any) -> dict[str, Any] | None:
    """loan.disbursed v2 carries the guarantor (a co-obligor; its ID number masked on the topic); v1 did not."""
    guarantor = getattr(data, "guarantor", None)
    return guarantor.model_dump(mode="json") if guarantor is not None else None


async def record_originator(conn: asyncpg.Connection, application_id: str, person: str, role: str) -> None:
    """Someone who filed, reviewed, investigated, approved or disbursed the loan's application."""
    await conn.execute("INSERT INTO origination_people (application_id, person, role) VALUES ($1, $2, $3) "
                       "ON CONFLICT DO NOTHING", application_id, person, role)


async def loans_of_application(conn: asyncpg.Connection, application_id: str) -> list[str]:
    rows = await conn.fetch("SELECT loan_id FROM loan_directory WHERE application_id = $1", application_id)
    return [r["loan_id"] for r in rows]


async def originators(conn: asyncpg.Connection, loan_ids: list[str]) -> dict[str, set[str]]:
    """Per loan, the people who took part in originating it."""
    rows = await conn.fetch(
        """SELECT d.loan_id, p.person FROM loan_directory d
           JOIN origination_people p ON p.application_id = d.application_id WHERE d.loan_id = ANY($1)""", loan_ids)
    out: dict[str, set[str]] = {loan_id: set() for loan_id in loan_ids}
    for r in rows:
        out[r["loan_id"]].add(r["person"])
    return out


async def observe_servicing(conn: asyncpg.Connection, loan_id: str, sequence: int,
                            status: str) -> tuple[int, str | None]:
    """Note the loan's latest servicing status; returns the (sequence, status) known BEFORE this event.

    Row-locks the loan so events about one loan are handled one at a time.
    """
    return (await observe_servicing_many(conn, [(loan_id, sequence, status)]))[loan_id]


OBSERVE = """WITH input AS (SELECT * FROM unnest($1::text[], $2::int[], $3::text[]) AS u(loan_id, seq, status)),
        before AS (SELECT d.loan_id, d.servicing_seq, d.servicing_status FROM loan_directory d
                   WHERE d.loan_id IN (SELECT loan_id FROM input) ORDER BY d.loan_id FOR UPDATE),
        upsert AS (
          INSERT INTO loan_directory (loan_id, servicing_seq, servicing_status)
          SELECT loan_id, seq, status FROM input ORDER BY loan_id
          ON CONFLICT (loan_id) DO UPDATE SET
            servicing_status = CASE WHEN EXCLUDED.servicing_seq > loan_directory.servicing_seq
                                    THEN EXCLUDED.servicing_status ELSE loan_directory.servicing_status END,
            servicing_seq = GREATEST(loan_directory.servicing_seq, EXCLUDED.servicing_seq))"""

# OBSERVE after moving the business date forward to $4 (the calendar row first, as when they were two
# statements); the one row without a loan carries `known`, the business date before.
OBSERVE_ON = """WITH calendar AS (SELECT business_date FROM business_calendar WHERE id = 1),
        advanced AS (INSERT INTO business_calendar (id, business_date) VALUES (1, $4)
                     ON CONFLICT (id) DO UPDATE SET business_date = GREATEST(business_calendar.business_date,
                                                                             EXCLUDED.business_date)
                     RETURNING 1),
        observed AS MATERIALIZED (SELECT (SELECT count(*) FROM advanced) AS n),
""" + OBSERVE.removeprefix("WITH ") + """
SELECT (SELECT business_date FROM calendar) AS known, NULL AS loan_id, NULL::int AS servicing_seq,
       NULL AS servicing_status FROM observed
UNION ALL
SELECT NULL, loan_id, servicing_seq, servicing_status FROM before"""


async def observe_servicing_many(conn: asyncpg.Connection,
                                 notes: list[tuple[str, int, str]]) -> dict[str, tuple[int, str | None]]:
    """`observe_servicing` for several loans (each once) in one statement, rows locked in loan id order."""
    notes = sorted(notes)
    rows = await conn.fetch(OBSERVE + "\nSELECT loan_id, servicing_seq, servicing_status FROM before",
                            [n[0] for n in notes], [n[1] for n in notes], [n[2] for n in notes])
    return _before(rows, notes)


async def observe_notices(conn: asyncpg.Connection, notes: list[tuple[str, int, str]],
                          business_date: date) -> tuple[date | None, dict[str, tuple[int, str | None]]]:
    """`observe_servicing_many` after `store_business_date(business_date)`, in one round trip; returns
    also the business date known before (`fetch_business_date` before the store)."""
    notes = sorted(notes)
    rows = await conn.fetch(OBSERVE_ON, [n[0] for n in notes], [n[1] for n in notes], [n[2] for n in notes],
                            business_date)
    [known] = [r["known"] for r in rows if r["loan_id"] is None]
    return known, _before([r for r in rows if r["loan_id"] is not None], notes)


def _before(rows: list[Any], notes: list[tuple[str, int, str]]) -> dict[str, tuple[int, str | None]]:
    known = {r["loan_id"]: (r["servicing_seq"], r["servicing_status"]) for r in rows}
    return {loan_id: known.get(loan_id, (0, None)) for loan_id, _, _ in notes}


async def get(conn: asyncpg.Connection, loan_id: str, ring: KeyRing | None = None) -> dict[str, Any] | None:
    """The loan file; with the key `ring`, its personal fields opened (sealed with the borrower's key at
    origination; "erased" once that key is destroyed)."""
    row = await conn.fetchrow("SELECT borrower, contacts, guarantor, principal, disbursement_date FROM loan_directory "
                              "WHERE loan_id = $1", loan_id)
    if row is None:
        return None
    loan = dict(row)
    return await ring.open(conn, loan) if ring is not None else loan


async def get_many(conn: asyncpg.Connection, loan_ids: list[str]) -> dict[str, dict[str, Any]]:
    """`get` for several loans in one statement (personal fields as stored: sealed, as
    views.contact_points gives them for decisions); a loan the directory does not know is absent."""
    rows = await conn.fetch("SELECT loan_id, borrower, contacts, guarantor, principal, disbursement_date "
                            "FROM loan_directory WHERE loan_id = ANY($1)", loan_ids)
    return {r["loan_id"]: {k: r[k] for k in r.keys() if k != "loan_id"} for r in rows}


async def borrower_key_id(conn: asyncpg.Connection, loan_id: str) -> str | None:
    """The data key (borrower) id the loan file's borrower fields are sealed with; None for a loan file from
    before data keys (plain) or a loan the directory does not know."""
    borrower = await conn.fetchval("SELECT borrower FROM loan_directory WHERE loan_id = $1", loan_id)
    return key_id_of_loan({"borrower": borrower})


def key_id_of_loan(loan: dict[str, Any] | None) -> str | None:
    """The key id the loan file's (`get`, `get_many`) borrower fields are sealed with; None when plain."""
    borrower = (loan or {}).get("borrower")
    ids = sorted(key_ids_in(borrower)) if borrower else []
    return ids[0] if ids else None
