"""Case rows: the case state beside its event stream, plus indexed columns for lists and queues."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import asyncpg

from services.collections.domain.case import Case
from services.collections.domain.state import CaseRules, CaseState

COLUMNS = """case_id, loan_id, episode, episode_key, status, stage, queue, assignee, days_past_due, amount_overdue,
    special_status, disputed, promise_due_on, last_contact_at, opened_on, version, state, overdue_since,
    next_check_on"""


def stream_id(case_id: str) -> str:
    return f"case-{case_id}"


async def load(conn: asyncpg.Connection, case_id: str, rules: CaseRules) -> tuple[Case, int] | None:
    """The case and its stream version, row-locked for this transaction."""
    row = await conn.fetchrow("SELECT state, version FROM cases WHERE case_id = $1 FOR UPDATE", case_id)
    if row is None:
        return None
    return Case(CaseState.model_validate(row["state"]), rules), row["version"]


async def state_of(conn: asyncpg.Connection, case_id: str) -> CaseState | None:
    """The case's state as its row holds it (no lock: for reading)."""
    state = await conn.fetchval("SELECT state FROM cases WHERE case_id = $1", case_id)
    return None if state is None else CaseState.model_validate(state)


async def open_case_id(conn: asyncpg.Connection, loan_id: str) -> str | None:
    return await conn.fetchval("SELECT case_id FROM cases WHERE loan_id = $1 AND status = 'open'", loan_id)


async def episodes_many(conn: asyncpg.Connection,
                        keys: list[tuple[str, date]]) -> dict[str, tuple[str | None, bool, int]]:
    """For each loan (each once): its open case (if any), whether its `episode_key` already had a
    case, the next episode number."""
    rows = await conn.fetch(
        """SELECT u.loan_id, (array_agg(c.case_id) FILTER (WHERE c.status = 'open'))[1] AS open_case,
                  coalesce(bool_or(c.episode_key = u.episode_key), false) AS seen,
                  coalesce(max(c.episode), 0) + 1 AS next
           FROM unnest($1::text[], $2::date[]) AS u(loan_id, episode_key)
           LEFT JOIN cases c ON c.loan_id = u.loan_id
           GROUP BY u.loan_id""", [k[0] for k in keys], [k[1] for k in keys])
    return {r["loan_id"]: (r["open_case"], r["seen"], r["next"]) for r in rows}


async def latest_case_id(conn: asyncpg.Connection, loan_id: str) -> tuple[str, str | None] | None:
    """The loan's latest case and its resolution."""
    row = await conn.fetchrow("SELECT case_id, state->>'resolution' AS resolution FROM cases WHERE loan_id = $1 "
                              "ORDER BY episode DESC LIMIT 1", loan_id)
    return (row["case_id"], row["resolution"]) if row else None


async def earlier_tags_many(conn: asyncpg.Connection, loan_ids: list[str]) -> dict[str, list[str]]:
    """Per loan, the behaviour tags of its latest earlier case (none: empty)."""
    if not loan_ids:
        return {}
    rows = await conn.fetch("SELECT DISTINCT ON (loan_id) loan_id, state->'tags' AS tags FROM cases "
                            "WHERE loan_id = ANY($1) ORDER BY loan_id, episode DESC", loan_ids)
    found = {r["loan_id"]: list(r["tags"] or []) for r in rows}
    return {loan_id: found.get(loan_id, []) for loan_id in loan_ids}


async def load_many(conn: asyncpg.Connection, case_ids: list[str], rules: CaseRules) -> list[tuple[Case, int]]:
    """Several cases, row-locked in case id order."""
    rows = await conn.fetch("SELECT state, version FROM cases WHERE case_id = ANY($1) ORDER BY case_id FOR UPDATE",
                            case_ids)
    return [(Case(CaseState.model_validate(r["state"]), rules), r["version"]) for r in rows]


UPSERT = f"""INSERT INTO cases ({COLUMNS})
    VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19)
    ON CONFLICT (case_id) DO UPDATE SET status = EXCLUDED.status, stage = EXCLUDED.stage,
      queue = EXCLUDED.queue, assignee = EXCLUDED.assignee, days_past_due = EXCLUDED.days_past_due,
      amount_overdue = EXCLUDED.amount_overdue, special_status = EXCLUDED.special_status,
      disputed = EXCLUDED.disputed, promise_due_on = EXCLUDED.promise_due_on,
      last_contact_at = EXCLUDED.last_contact_at, version = EXCLUDED.version, state = EXCLUDED.state,
      overdue_since = EXCLUDED.overdue_since, next_check_on = EXCLUDED.next_check_on, updated_at = now()"""

# The rows (in the given order) and the caseload changes in one statement: one round trip per save, one
# plan whatever the number of cases (executemany ran the upsert once per row).
SAVE = f"""WITH saved AS (
    INSERT INTO cases ({COLUMNS})
    SELECT u.c1, u.c2, u.c3, u.c4, u.c5, u.c6, u.c7, u.c8, u.c9, u.c10, u.c11, u.c12, u.c13, u.c14, u.c15, u.c16,
           u.c17::jsonb, u.c18, u.c19
    FROM unnest($1::text[], $2::text[], $3::int[], $4::date[], $5::text[], $6::text[], $7::text[], $8::text[],
                $9::int[], $10::numeric[], $11::text[], $12::bool[], $13::date[], $14::timestamptz[], $15::date[],
                $16::int[], $17::text[], $18::date[], $19::date[])
         WITH ORDINALITY AS u(c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11, c12, c13, c14, c15, c16, c17, c18, c19, n)
    ORDER BY u.n
    ON CONFLICT (case_id) DO UPDATE SET status = EXCLUDED.status, stage = EXCLUDED.stage,
      queue = EXCLUDED.queue, assignee = EXCLUDED.assignee, days_past_due = EXCLUDED.days_past_due,
      amount_overdue = EXCLUDED.amount_overdue, special_status = EXCLUDED.special_status,
      disputed = EXCLUDED.disputed, promise_due_on = EXCLUDED.promise_due_on,
      last_contact_at = EXCLUDED.last_contact_at, version = EXCLUDED.version, state = EXCLUDED.state,
      overdue_since = EXCLUDED.overdue_since, next_check_on = EXCLUDED.next_check_on, updated_at = now()
    RETURNING 1
), counted AS (
    INSERT INTO caseload (collector, open_cases)
    SELECT u.c, u.d FROM unnest($20::text[], $21::int[]) WITH ORDINALITY AS u(c, d, n) ORDER BY u.n
    ON CONFLICT (collector) DO UPDATE SET open_cases = caseload.open_cases + EXCLUDED.open_cases
    RETURNING 1
)
SELECT (SELECT count(*) FROM saved) AS cases, (SELECT count(*) FROM counted) AS collectors"""


def _row(case: Case, version: int, next_check_on: date) -> tuple[Any, ...]:
    s = case.state
    open_promise = next((p.promised_date for p in s.promises if p.status == "open"), None)
    return (s.case_id, s.loan_id, s.episode, s.episode_key, s.status, s.stage, s.queue, s.assignee, s.days_past_due,
            s.amount_overdue, s.special_status, s.dispute is not None, open_promise, s.last_contact_at, s.opened_on,
            version, s.model_dump_json(), s.overdue_since, next_check_on)


async def save_many(conn: asyncpg.Connection, saved: list[tuple[Case, int, date]]) -> None:
    """Upsert rows at their streams' new versions; keep the collectors' caseload counts (one statement).

    The caseload rows change in collector order (one lock order for every writer), after the cases'
    rows (cases before caseload, as day-close locks them: no lock cycles).
    """
    if not saved:
        return
    deltas: dict[str, int] = {}
    for case, _, _ in saved:
        holder = case.state.assignee if case.state.status == "open" else None
        if holder != case.loaded_holder:
            for who, d in ((case.loaded_holder, -1), (holder, 1)):
                if who is not None:
                    deltas[who] = deltas.get(who, 0) + d
    changed = sorted(c for c, d in deltas.items() if d)
    rows = [_row(*item) for item in saved]
    if len({r[0] for r in rows}) < len(rows):  # the same case twice: one upsert per row, in order
        await conn.executemany(UPSERT, [(*r[:16], json.loads(r[16]), *r[17:]) for r in rows])
        rows = []
    columns = [list(column) for column in zip(*rows, strict=True)] if rows else [[] for _ in range(19)]
    await conn.fetchrow(SAVE, *columns, changed, [deltas[c] for c in changed])
    for case, _, _ in saved:
        case.loaded_holder = case.state.assignee if case.state.status == "open" else None


async def caseloads(conn: asyncpg.Connection, collectors: list[str]) -> dict[str, int]:
    """Open cases per collector (0 for those with none)."""
    rows = await conn.fetch("SELECT collector, open_cases FROM caseload WHERE collector = ANY($1)", collectors)
    return {c: 0 for c in collectors} | {r["collector"]: r["open_cases"] for r in rows}


async def refresh_idle_dpd(conn: asyncpg.Connection, day: date) -> int:
    """Day-close for open cases that need nothing else: count days past due up, in one statement."""
    result = await conn.execute(
        """UPDATE cases SET days_past_due = $1 - overdue_since,
                            state = jsonb_set(state, '{days_past_due}', to_jsonb($1 - overdue_since))
           WHERE status = 'open' AND next_check_on > $1 AND $1 - overdue_since > days_past_due""", day)
    return int(result.split()[-1])


async def needing_attention(conn: asyncpg.Connection, day: date) -> list[str]:
    """Open cases day-close must load, all row-locked up front (cases before caseload: no lock cycles)."""
    rows = await conn.fetch(
        "SELECT case_id FROM cases WHERE status = 'open' AND next_check_on <= $1 ORDER BY case_id FOR UPDATE", day)
    return [r["case_id"] for r in rows]


async def list_cases(conn: asyncpg.Connection, *, status: str | None, stage: str | None, assignee: str | None,
                     loan_id: str | None, queue: str | None, offset: int, limit: int,
                     untouched_since: date | None = None) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """Cases by filter, each with its borrower's name and phone (`BORROWER`); `untouched_since`: open cases
    whose last contact (or opening) is on or before that day."""
    rows = await conn.fetch(
        f"""SELECT c.state, {BORROWER} FROM cases c LEFT JOIN loan_directory d ON d.loan_id = c.loan_id
           WHERE ($1::text IS NULL OR c.status = $1) AND ($2::text IS NULL OR c.stage = $2)
             AND ($3::text IS NULL OR c.assignee = $3) AND ($4::text IS NULL OR c.loan_id = $4)
             AND ($5::text IS NULL OR c.queue = $5)
             AND ($8::date IS NULL OR (c.status = 'open' AND coalesce((c.state->>'last_contact_on')::date,
                                                                      (c.last_contact_at AT TIME ZONE 'UTC')::date,
                                                                      c.opened_on) <= $8))
           ORDER BY c.opened_on, c.case_id OFFSET $6 LIMIT $7""",
        status, stage, assignee, loan_id, queue, offset, limit, untouched_since)
    return [(r["state"], _borrower(r)) for r in rows]


async def work_queue(conn: asyncpg.Connection, *, assignee: str | None, queue: str | None, business_date: date,
                     offset: int, limit: int) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """Open cases by urgency: promise due (or overdue) today, later stage, larger amount, longest without
    contact; each with its borrower's name and phone (`BORROWER`)."""
    rows = await conn.fetch(
        f"""SELECT q.state, q.promise_due, {BORROWER}
           FROM (SELECT state, loan_id, (promise_due_on IS NOT NULL AND promise_due_on <= $3) AS promise_due,
                        stage, amount_overdue, last_contact_at, case_id FROM cases
                 WHERE status = 'open' AND ($1::text IS NULL OR assignee = $1) AND ($2::text IS NULL OR queue = $2)
                 ORDER BY promise_due DESC,
                          CASE stage WHEN 'back' THEN 2 WHEN 'mid' THEN 1 ELSE 0 END DESC,
                          amount_overdue DESC, last_contact_at ASC NULLS FIRST, case_id
                 OFFSET $4 LIMIT $5) q
           LEFT JOIN loan_directory d ON d.loan_id = q.loan_id
           ORDER BY q.promise_due DESC, CASE q.stage WHEN 'back' THEN 2 WHEN 'mid' THEN 1 ELSE 0 END DESC,
                    q.amount_overdue DESC, q.last_contact_at ASC NULLS FIRST, q.case_id""",
        assignee, queue, business_date, offset, limit)
    return [({**r["state"], "promise_due": r["promise_due"]}, _borrower(r)) for r in rows]


# The borrower's name and phone from the loan directory (loan.disbursed), for the summaries' masked fields.
BORROWER = "d.borrower->>'name' AS borrower_name, d.borrower->>'phone' AS borrower_phone"


def _borrower(row: Any) -> dict[str, Any]:
    return {"name": row["borrower_name"], "phone": row["borrower_phone"]}
