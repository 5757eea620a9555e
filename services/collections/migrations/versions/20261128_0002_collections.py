"""Collections read models: cases, contacts, loan directory.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

from alembic import op

from shared.migrate import execute_script

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

SQL = """
CREATE TABLE cases (
    case_id         TEXT PRIMARY KEY,
    loan_id         TEXT        NOT NULL,
    episode         INTEGER     NOT NULL,
    episode_key     DATE        NOT NULL,
    status          TEXT        NOT NULL,
    stage           TEXT        NOT NULL,
    queue           TEXT        NOT NULL,
    assignee        TEXT,
    days_past_due   INTEGER     NOT NULL,
    amount_overdue  NUMERIC(18, 2) NOT NULL,
    special_status  TEXT        NOT NULL,
    disputed        BOOLEAN     NOT NULL DEFAULT false,
    promise_due_on  DATE,
    last_contact_at TIMESTAMPTZ,
    opened_on       DATE        NOT NULL,
    version         INTEGER     NOT NULL,
    state           JSONB       NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT cases_loan_episode UNIQUE (loan_id, episode),
    CONSTRAINT cases_loan_episode_key UNIQUE (loan_id, episode_key)
);
CREATE UNIQUE INDEX cases_one_open_per_loan ON cases (loan_id) WHERE status = 'open';
CREATE INDEX cases_assignee_open ON cases (assignee) WHERE status = 'open';
CREATE INDEX cases_status_stage ON cases (status, stage);
CREATE TABLE contacts (
    contact_id   TEXT PRIMARY KEY,
    case_id      TEXT        NOT NULL REFERENCES cases (case_id),
    channel      TEXT        NOT NULL,
    outcome      TEXT        NOT NULL,
    collector    TEXT        NOT NULL,
    target       TEXT        NOT NULL,
    contacted_at TIMESTAMPTZ NOT NULL,
    local_month  TEXT        NOT NULL
);
CREATE INDEX contacts_case_channel ON contacts (case_id, channel, contacted_at);
CREATE INDEX contacts_visits ON contacts (collector, local_month) WHERE channel = 'visit';
CREATE TABLE loan_directory (
    loan_id          TEXT PRIMARY KEY,
    borrower         JSONB,
    contacts         JSONB,
    principal        NUMERIC(18, 2),
    disbursement_date DATE,
    servicing_seq    INTEGER NOT NULL DEFAULT 0,
    servicing_status TEXT
)
"""

DROP = "DROP TABLE IF EXISTS contacts, cases, loan_directory"


def upgrade() -> None:
    execute_script(op, SQL)


def downgrade() -> None:
    execute_script(op, DROP)
