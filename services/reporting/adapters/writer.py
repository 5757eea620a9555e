"""Write projected rows: one multi-row INSERT ... SELECT unnest(...) per table, duplicates ignored."""

from __future__ import annotations

from typing import Any

import asyncpg

from services.reporting.domain.fastpath import pg_text
from services.reporting.domain.projection import Rows, Tables

# table -> (column, postgres array type) in the tuple order of domain.projection
COLUMNS: dict[str, list[tuple[str, str]]] = {
    "events": [("event_id", "text"), ("loan_id", "text"), ("application_id", "text"), ("subject", "text"),
               ("type", "text"), ("source", "text"), ("sequence", "int"), ("businessdate", "date"),
               ("time", "timestamptz"), ("causationid", "text"), ("correlationid", "text"), ("actor", "text"),
               ("data", "json")],
    "loans": [("loan_id", "text"), ("application_id", "text"), ("product", "text"), ("principal", "numeric"),
              ("annual_rate", "numeric"), ("term_months", "int"), ("disbursement_date", "date"),
              ("businessdate", "date"), ("borrower_key", "text"), ("borrower_label", "text"), ("region", "text"),
              ("event_id", "text")],
    "applications": [("event_id", "text"), ("application_id", "text"), ("sequence", "int"), ("region", "text")],
    "loan_states": [("event_id", "text"), ("loan_id", "text"), ("businessdate", "date"), ("sequence", "int"),
                    ("status", "text"), ("outstanding", "numeric"), ("dpd_anchor", "date")],
    "schedule": [("event_id", "text"), ("loan_id", "text"), ("number", "int"), ("due_date", "date"),
                 ("principal", "numeric"), ("interest", "numeric"), ("businessdate", "date"), ("sequence", "int")],
    "allocations": [("event_id", "text"), ("line_no", "int"), ("loan_id", "text"), ("payment_id", "text"),
                    ("businessdate", "date"), ("installment_number", "int"), ("kind", "text"),
                    ("amount", "numeric")],
    "case_states": [("event_id", "text"), ("case_id", "text"), ("loan_id", "text"), ("businessdate", "date"),
                    ("sequence", "int"), ("kind", "text"), ("stage", "text"), ("resolution", "text"),
                    ("collector", "text"), ("episode", "int"), ("queue", "text")],
    "case_arms": [("event_id", "text"), ("case_id", "text"), ("loan_id", "text"), ("businessdate", "date"),
                  ("arm", "text")],
    "contacts": [("event_id", "text"), ("case_id", "text"), ("loan_id", "text"), ("businessdate", "date"),
                 ("channel", "text"), ("outcome", "text"), ("collector", "text"), ("reason", "text"),
                 ("visit_target", "int")],
    "promises": [("event_id", "text"), ("promise_id", "text"), ("case_id", "text"), ("loan_id", "text"),
                 ("businessdate", "date"), ("kind", "text"), ("amount", "numeric"), ("paid_amount", "numeric"),
                 ("promised_date", "date"), ("collector", "text")],
    "recoveries": [("event_id", "text"), ("case_id", "text"), ("loan_id", "text"), ("payment_id", "text"),
                   ("businessdate", "date"), ("collector", "text"), ("amount", "numeric"),
                   ("commission", "numeric"), ("stage", "text"), ("channel", "text"), ("agency", "text"),
                   ("placement_id", "text"), ("agency_fee", "numeric")],
    "placements": [("event_id", "text"), ("placement_id", "text"), ("case_id", "text"), ("loan_id", "text"),
                   ("businessdate", "date"), ("kind", "text"), ("agency", "text"), ("fee_rate", "numeric"),
                   ("placed_balance", "numeric"), ("recall_on", "date"), ("reason", "text")],
    "complaints": [("event_id", "text"), ("complaint_id", "text"), ("case_id", "text"), ("loan_id", "text"),
                   ("businessdate", "date"), ("category", "text"), ("collector", "text")],
    "qa_reviews": [("event_id", "text"), ("review_id", "text"), ("case_id", "text"), ("loan_id", "text"),
                   ("businessdate", "date"), ("collector", "text")],
    "qa_findings": [("event_id", "text"), ("line_no", "int"), ("review_id", "text"), ("finding_id", "text"),
                    ("item", "text"), ("loan_id", "text"), ("businessdate", "date"), ("collector", "text")],
    "legal_actions": [("event_id", "text"), ("case_id", "text"), ("loan_id", "text"), ("businessdate", "date"),
                      ("sequence", "int"), ("kind", "text"), ("happened_on", "date"), ("cost", "numeric"),
                      ("amount", "numeric"), ("outcome", "text")],
    "arrangements": [("event_id", "text"), ("arrangement_id", "text"), ("case_id", "text"), ("loan_id", "text"),
                     ("businessdate", "date"), ("kind", "text"), ("waived", "numeric"), ("charges", "numeric"),
                     ("interest", "numeric"), ("principal", "numeric"), ("amount", "numeric")],
}

READ_MODEL_TABLES = [f"rpt_{table}" for table in COLUMNS]

# The columns the report queries (`adapters.queries`) filter, join, group or sort on: what a rebuild
# ANALYZEs (0.37 -> 0.24 s of server CPU per 100k events; the plans of every report query are the same).
# Add a column here when a query starts to filter on it; autovacuum later analyzes every column anyway.
ANALYZED_COLUMNS = {
    "events": "event_id, loan_id, application_id, type, businessdate",
    "loans": "loan_id, application_id, businessdate",
    "applications": "application_id, sequence, event_id",
    "loan_states": "loan_id, businessdate, sequence, status, event_id",
    "schedule": "loan_id, event_id, businessdate, sequence",
    "allocations": "businessdate, loan_id, installment_number, kind",
    "case_states": "case_id, businessdate, sequence, event_id",
    "case_arms": "businessdate",
    "contacts": "businessdate",
    "promises": "businessdate, promise_id, kind, event_id",
    "recoveries": "businessdate",
    "placements": "businessdate",
    "complaints": "businessdate",
    "qa_reviews": "businessdate",
    "qa_findings": "businessdate",
    "legal_actions": "businessdate",
    "arrangements": "businessdate, loan_id",
}
ANALYZE = [f"ANALYZE rpt_{table} ({columns})" for table, columns in ANALYZED_COLUMNS.items()]

# The event-log rows `queries.activities` reads (that query repeats this predicate, so the index below serves it).
COMPLAINT_EVENTS = ("loan_id IS NOT NULL AND (type IN ('collections.dispute.opened', 'collections.statute.expired') "
                    "OR type LIKE '%complaint%')")

# Indexes the report queries use; a rebuild drops them and builds them again after the load. (The schedule,
# allocations and case states are only ever read whole, by scans: indexes on them were never used.)
SECONDARY_INDEXES = {
    "rpt_events_loan": "CREATE INDEX IF NOT EXISTS rpt_events_loan ON rpt_events (loan_id)",
    "rpt_events_application": "CREATE INDEX IF NOT EXISTS rpt_events_application ON rpt_events (application_id)",
    # Only the complaint/dispute/time-bar events `queries.activities` looks for (a handful, not every event).
    "rpt_events_complaints": f"CREATE INDEX IF NOT EXISTS rpt_events_complaints ON rpt_events (businessdate) "
                             f"WHERE {COMPLAINT_EVENTS}",
    "rpt_applications_application":
        "CREATE INDEX IF NOT EXISTS rpt_applications_application ON rpt_applications (application_id, sequence)",
    "rpt_loan_states_loan":
        "CREATE INDEX IF NOT EXISTS rpt_loan_states_loan ON rpt_loan_states (loan_id, businessdate, sequence)",
}


def _insert_sql(table: str) -> str:
    cols = COLUMNS[table]
    names = ", ".join(name for name, _ in cols)
    arrays = ", ".join(f"${i}::{typ}[]" for i, (_, typ) in enumerate(cols, start=1))
    return f"INSERT INTO rpt_{table} ({names}) SELECT * FROM unnest({arrays}) ON CONFLICT DO NOTHING"


_SQL = {table: _insert_sql(table) for table in COLUMNS}


async def write_rows(conn: asyncpg.Connection, rows: Rows) -> None:
    """Insert every projected row; rows already present (same key) are left as they are."""
    for table, tuples in rows.tables.items():
        if tuples:
            await conn.execute(_SQL[table], *_columns(tuples))


# COPY text rendering: rows of PostgreSQL text (or Python values) as the lines a text COPY reads.
Lines = dict[str, list[str]]
_NULL = "\\N"


def copy_line(row: tuple[str | None, ...]) -> str:
    """One row of PostgreSQL text values in COPY text format (tab separated, `\\N` for NULL, specials escaped)."""
    text = "\t".join([_NULL if v is None else v for v in row])
    if text.count("\\") != row.count(None) or text.count("\t") != len(row) - 1 or "\n" in text or "\r" in text:
        text = "\t".join([_NULL if v is None else _escape(v) for v in row])
    return text


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def copy_lines(tables: Tables) -> Lines:
    """The COPY lines of rows of PostgreSQL text (`fastproject.project_envelope`)."""
    lines: Lines = {}
    for table, rows in tables.items():
        lines[table] = list(map(copy_line, rows))
    return lines


def lines_of_rows(rows: Rows) -> Lines:
    """The COPY lines of rows of Python values (`projection.project`)."""
    return copy_lines({table: [tuple([pg_text(v) for v in row]) for row in tuples]
                       for table, tuples in rows.tables.items()})


# Bulk path (rebuild): rows rendered as COPY text lines (`copy_lines`), and
# a text COPY straight into each table inside a savepoint; when a row is already there (a
# live consumer wrote it, or a natural key repeats) the batch goes through a staging table
# and INSERT ... SELECT ... ON CONFLICT DO NOTHING instead.
_STAGE_TYPES = {"text": "text", "int": "integer", "date": "date", "timestamptz": "timestamptz",
                "numeric": "numeric", "json": "text"}


async def create_staging(conn: asyncpg.Connection) -> None:
    """Temporary staging tables (emptied at each commit) for `copy_rows` on this connection."""
    for table, cols in COLUMNS.items():
        columns = ", ".join(f"{name} {_STAGE_TYPES[typ]}" for name, typ in cols)
        await conn.execute(f"CREATE TEMP TABLE IF NOT EXISTS stage_{table} ({columns}) ON COMMIT DELETE ROWS")


def _from_stage(table: str) -> str:
    cols = COLUMNS[table]
    names = ", ".join(name for name, _ in cols)
    values = ", ".join(f"{name}::json" if typ == "json" else name for name, typ in cols)
    return f"INSERT INTO rpt_{table} ({names}) SELECT {values} FROM stage_{table} ON CONFLICT DO NOTHING"


_FROM_STAGE = {table: _from_stage(table) for table in COLUMNS}
_NAMES = {table: [name for name, _ in cols] for table, cols in COLUMNS.items()}


async def _copy_text(conn: asyncpg.Connection, target: str, table: str, lines: list[str]) -> None:
    payload = ("\n".join(lines) + "\n").encode()
    # a buffer, not a file: asyncpg reads a file in a thread-pool executor, two thread hops per COPY
    await conn.copy_to_table(target, source=memoryview(payload), columns=_NAMES[table], format="text")


async def _copy(conn: asyncpg.Connection, table: str, lines: list[str]) -> bool:
    """COPY lines straight into the table; False (and nothing written) when a row is already there."""
    try:
        async with conn.transaction():
            await _copy_text(conn, f"rpt_{table}", table, lines)
        return True
    except asyncpg.UniqueViolationError:
        return False


async def copy_new_events(conn: asyncpg.Connection, lines: dict[str, str]) -> set[str]:
    """Insert event-log rows (COPY text lines by event id); returns the ids not there yet (the log is the ledger)."""
    if not lines:
        return set()
    if await _copy(conn, "events", list(lines.values())):
        return set(lines)
    await _copy_text(conn, "stage_events", "events", list(lines.values()))
    ids = await conn.fetchval(
        f"WITH ins AS ({_FROM_STAGE['events']} RETURNING event_id) SELECT coalesce(array_agg(event_id), '{{}}') "
        "FROM ins")
    return set(ids)


async def copy_rows(conn: asyncpg.Connection, tables: dict[str, list[str]]) -> None:
    """Bulk `write_rows` from COPY text lines per table: rows already present (same key) are left as they are.

    Every table's COPY under one savepoint (two round trips per table fewer); when a row is already
    there, all of them are undone and written table by table with the staging fallback.
    """
    tables = {table: lines for table, lines in tables.items() if lines}
    if not tables:
        return
    try:
        async with conn.transaction():
            for table, lines in tables.items():
                await _copy_text(conn, f"rpt_{table}", table, lines)
        return
    except asyncpg.UniqueViolationError:
        pass
    for table, lines in tables.items():
        if not await _copy(conn, table, lines):
            await _copy_text(conn, f"stage_{table}", table, lines)
            await conn.execute(_FROM_STAGE[table])


def _columns(tuples: list[tuple[Any, ...]]) -> list[list[Any]]:
    return [list(col) for col in zip(*tuples, strict=True)]


async def drop_secondary_indexes(conn: asyncpg.Connection) -> None:
    """Drop the query indexes before a bulk load."""
    for name in SECONDARY_INDEXES:
        await conn.execute(f"DROP INDEX IF EXISTS {name}")


async def create_secondary_indexes(conn: asyncpg.Connection) -> None:
    """Build the query indexes (again) after a bulk load."""
    for sql in SECONDARY_INDEXES.values():
        await conn.execute(sql)


async def truncate_read_models(conn: asyncpg.Connection) -> None:
    """Empty every read-model table (rebuild starts from nothing)."""
    await conn.execute(f"TRUNCATE {', '.join(READ_MODEL_TABLES)}")
