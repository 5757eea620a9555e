"""Reporting read models: event log, loan book, effective-dated loan states, schedules,
allocations, case states, contacts, promises, recoveries.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

from alembic import op

from services.reporting.adapters.writer import SECONDARY_INDEXES
from shared.migrate import execute_script

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

SQL = """
CREATE TABLE IF NOT EXISTS rpt_events (
    event_id       TEXT PRIMARY KEY,
    loan_id        TEXT,
    application_id TEXT,
    subject        TEXT NOT NULL,
    type           TEXT NOT NULL,
    source         TEXT NOT NULL,
    sequence       INTEGER NOT NULL,
    businessdate   DATE NOT NULL,
    time           TIMESTAMPTZ NOT NULL,
    causationid    TEXT,
    correlationid  TEXT,
    actor          TEXT,
    data           JSON NOT NULL  -- masked, JSON not JSONB: stored as given, cheaper to load
);
CREATE TABLE IF NOT EXISTS rpt_loans (
    loan_id           TEXT PRIMARY KEY,
    application_id    TEXT,
    product           TEXT NOT NULL,
    principal         NUMERIC(18, 2) NOT NULL,
    annual_rate       NUMERIC(12, 8),
    term_months       INTEGER,
    disbursement_date DATE NOT NULL,
    businessdate      DATE NOT NULL,
    borrower_key      TEXT NOT NULL,
    borrower_label    TEXT NOT NULL,
    region            TEXT,
    event_id          TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS rpt_applications (
    event_id       TEXT PRIMARY KEY,
    application_id TEXT NOT NULL,
    sequence       INTEGER NOT NULL,
    region         TEXT
);
CREATE TABLE IF NOT EXISTS rpt_loan_states (
    event_id     TEXT PRIMARY KEY,
    loan_id      TEXT NOT NULL,
    businessdate DATE NOT NULL,
    sequence     INTEGER NOT NULL,
    status       TEXT NOT NULL,
    outstanding  NUMERIC(18, 2) NOT NULL,
    dpd_anchor   DATE
);
CREATE TABLE IF NOT EXISTS rpt_schedule (
    event_id     TEXT NOT NULL,
    loan_id      TEXT NOT NULL,
    number       INTEGER NOT NULL,
    due_date     DATE NOT NULL,
    principal    NUMERIC(18, 2) NOT NULL,
    interest     NUMERIC(18, 2) NOT NULL,
    businessdate DATE NOT NULL,
    sequence     INTEGER NOT NULL,
    PRIMARY KEY (event_id, number)
);
CREATE TABLE IF NOT EXISTS rpt_allocations (
    event_id           TEXT NOT NULL,
    line_no            INTEGER NOT NULL,
    loan_id            TEXT NOT NULL,
    payment_id         TEXT NOT NULL,
    businessdate       DATE NOT NULL,
    installment_number INTEGER,
    kind               TEXT NOT NULL,
    amount             NUMERIC(18, 2) NOT NULL,
    PRIMARY KEY (event_id, line_no)
);
CREATE TABLE IF NOT EXISTS rpt_case_states (
    event_id     TEXT PRIMARY KEY,
    case_id      TEXT NOT NULL,
    loan_id      TEXT NOT NULL,
    businessdate DATE NOT NULL,
    sequence     INTEGER NOT NULL,
    kind         TEXT NOT NULL,
    stage        TEXT,
    resolution   TEXT,
    collector    TEXT,
    episode      INTEGER
);
CREATE TABLE IF NOT EXISTS rpt_contacts (
    event_id     TEXT PRIMARY KEY,
    case_id      TEXT NOT NULL,
    loan_id      TEXT NOT NULL,
    businessdate DATE NOT NULL,
    channel      TEXT NOT NULL,
    outcome      TEXT NOT NULL,
    collector    TEXT
);
CREATE TABLE IF NOT EXISTS rpt_promises (
    event_id      TEXT PRIMARY KEY,
    promise_id    TEXT NOT NULL,
    case_id       TEXT NOT NULL,
    loan_id       TEXT NOT NULL,
    businessdate  DATE NOT NULL,
    kind          TEXT NOT NULL,
    amount        NUMERIC(18, 2) NOT NULL,
    paid_amount   NUMERIC(18, 2),
    promised_date DATE NOT NULL,
    collector     TEXT
);
CREATE TABLE IF NOT EXISTS rpt_recoveries (
    event_id     TEXT PRIMARY KEY,
    case_id      TEXT NOT NULL,
    loan_id      TEXT NOT NULL,
    payment_id   TEXT NOT NULL,
    businessdate DATE NOT NULL,
    collector    TEXT,
    amount       NUMERIC(18, 2) NOT NULL,
    commission   NUMERIC(18, 2) NOT NULL,
    stage        TEXT
)
"""

DROP = """
DROP TABLE IF EXISTS rpt_events, rpt_applications, rpt_loans, rpt_loan_states, rpt_schedule, rpt_allocations,
    rpt_case_states,
    rpt_contacts, rpt_promises, rpt_recoveries
"""


def upgrade() -> None:
    execute_script(op, SQL)
    execute_script(op, ";".join(SECONDARY_INDEXES.values()))


def downgrade() -> None:
    execute_script(op, DROP)
