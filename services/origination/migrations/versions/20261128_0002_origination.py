"""Origination tables: the blacklist and the applications list (read model).

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
CREATE TABLE IF NOT EXISTS blacklist (
    id_number      TEXT        PRIMARY KEY,
    application_id TEXT        NOT NULL,
    reason         TEXT        NOT NULL,
    listed_by      TEXT,
    listed_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS applications (
    seq            BIGSERIAL   PRIMARY KEY,
    application_id TEXT        NOT NULL UNIQUE,
    status         TEXT        NOT NULL,
    product        TEXT        NOT NULL,
    amount         NUMERIC(18, 2) NOT NULL,
    submitted_by   TEXT        NOT NULL,
    next_stage     TEXT,
    loan_id        TEXT,
    version        INTEGER     NOT NULL,
    submitted_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at     TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS applications_status_seq ON applications (status, seq)
"""


def upgrade() -> None:
    execute_script(op, SQL)


def downgrade() -> None:
    execute_script(op, "DROP TABLE IF EXISTS applications; DROP TABLE IF EXISTS blacklist")
