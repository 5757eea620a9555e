"""Write projected rows: one multi-row INSERT ... SELECT unnest(...) per table, duplicates ignored."""

from __future__ import annotations

from typing import Any

import asyncpg

from services.reporting.domain.projection import Rows

# table -> (column, postgres array type) in the tuple order of domain.projection
COLUMNS: dict[str, list[tuple[str, str]]] = {
    "events": [("event_id", "text"), ("loan_id", "text"), ("application_id", "text"), ("subject", "text"),
               ("type", "text"), ("source", "text"), ("sequence", "int"), ("businessdate", "date"),
               ("time", "timestamptz"), ("causationid", "text"), ("correlationid", "text"), ("actor", "text"),
               ("data", "jsonb")],
    "loans": [("loan_id", "text"), ("application_id", "text"), ("product", "text"), ("principal", "numeric"),
              ("annual_rate", "numeric"), ("term_months", "int"), ("disbursement_date", "date"),
              ("businessdate", "date"), ("borrower_key", "text"), ("borrower_label", "text"), ("region", "text"),
              ("event_id", "text")],
    "loan_states": [("event_id", "text"), ("loan_id", "text"), ("businessdate", "date"), ("sequence", "int"),
                    ("status", "text"), ("outstanding", "numeric"), ("dpd_anchor", "date")],
    "schedule": [("loan_id", "text"), ("number", "int"), ("due_date", "date"), ("principal", "numeric"),
                 ("interest", "numeric"), ("businessdate", "date")],
    "allocations": [("event_id", "text"), ("line_no", "int"), ("loan_id", "text"), ("payment_id", "text"),
                    ("businessdate", "date"), ("installment_number", "int"), ("kind", "text"),
                    ("amount", "numeric")],
    "case_states": [("event_id", "text"), ("case_id", "text"), ("loan_id", "text"), ("businessdate", "date"),
                    ("sequence", "int"), ("kind", "text"), ("stage", "text"), ("resolution", "text"),
                    ("collector", "text"), ("episode", "int")],
    "contacts": [("event_id", "text"), ("case_id", "text"), ("loan_id", "text"), ("businessdate", "date"),
                 ("channel", "text"), ("outcome", "text"), ("collector", "text")],
    "promises": [("event_id", "text"), ("promise_id", "text"), ("case_id", "text"), ("loan_id", "text"),
                 ("businessdate", "date"), ("kind", "text"), ("amount", "numeric"), ("paid_amount", "numeric"),
                 ("promised_date", "date"), ("collector", "text")],
    "recoveries": [("event_id", "text"), ("case_id", "text"), ("loan_id", "text"), ("payment_id", "text"),
                   ("businessdate", "date"), ("collector", "text"), ("amount", "numeric"),
                   ("commission", "numeric"), ("stage", "text")],
}

READ_MODEL_TABLES = [f"rpt_{table}" for table in COLUMNS]


def _insert_sql(table: str) -> str:
    cols = COLUMNS[table]
    names = ", ".join(name for name, _ in cols)
    arrays = ", ".join(f"${i}::{typ}[]" for i, (_, typ) in enumerate(cols, start=1))
    return f"INSERT INTO rpt_{table} ({names}) SELECT * FROM unnest({arrays}) ON CONFLICT DO NOTHING"


_SQL = {table: _insert_sql(table) for table in COLUMNS}


async def write_rows(conn: asyncpg.Connection, rows: Rows) -> None:
    """Insert every projected row; rows already present (same key) are left as they are."""
    for table, tuples in rows.tables.items():
        if not tuples:
            continue
        columns: list[list[Any]] = [list(col) for col in zip(*tuples, strict=True)]
        await conn.execute(_SQL[table], *columns)


async def truncate_read_models(conn: asyncpg.Connection) -> None:
    """Empty every read-model table (rebuild starts from nothing)."""
    await conn.execute(f"TRUNCATE {', '.join(READ_MODEL_TABLES)}")
