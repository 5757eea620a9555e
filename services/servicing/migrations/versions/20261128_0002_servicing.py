"""Servicing read models: loans, installments, charges, partners, closed days.

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

UP = """
CREATE TABLE loans (
    loan_id               TEXT PRIMARY KEY,
    stream_id             TEXT          NOT NULL UNIQUE,
    version               INTEGER       NOT NULL,
    status                TEXT          NOT NULL,
    principal             NUMERIC(16,2) NOT NULL,
    annual_rate           NUMERIC(10,6) NOT NULL,
    term_months           INTEGER       NOT NULL,
    repayment_method      TEXT          NOT NULL,
    disbursement_date     DATE          NOT NULL,
    due_day               INTEGER       NOT NULL,
    product               TEXT,
    borrower_name         TEXT,
    principal_outstanding NUMERIC(16,2) NOT NULL,
    overdue_since         DATE,
    total_paid            NUMERIC(16,2) NOT NULL DEFAULT 0,
    closed_on             DATE,
    updated_at            TIMESTAMPTZ   NOT NULL DEFAULT now()
);
CREATE INDEX loans_overdue ON loans (loan_id) WHERE status = 'overdue';
CREATE TABLE installments (
    loan_id         TEXT          NOT NULL,
    number          INTEGER       NOT NULL,
    due_date        DATE          NOT NULL,
    principal       NUMERIC(16,2) NOT NULL,
    interest        NUMERIC(16,2) NOT NULL,
    principal_paid  NUMERIC(16,2) NOT NULL DEFAULT 0,
    interest_paid   NUMERIC(16,2) NOT NULL DEFAULT 0,
    interest_waived NUMERIC(16,2) NOT NULL DEFAULT 0,
    settled         BOOLEAN       NOT NULL DEFAULT false,
    PRIMARY KEY (loan_id, number)
);
CREATE INDEX installments_open_by_due ON installments (due_date) WHERE NOT settled;
CREATE TABLE charges (
    charge_id          TEXT PRIMARY KEY,
    loan_id            TEXT          NOT NULL,
    seq                BIGSERIAL,
    kind               TEXT          NOT NULL,
    amount             NUMERIC(16,2) NOT NULL,
    paid               NUMERIC(16,2) NOT NULL DEFAULT 0,
    installment_number INTEGER,
    applied_on         DATE          NOT NULL,
    reason             TEXT,
    caused_by          TEXT
);
CREATE INDEX charges_by_loan ON charges (loan_id, seq);
CREATE TABLE partners (
    partner_id  TEXT PRIMARY KEY,
    name        TEXT        NOT NULL,
    secret      TEXT        NOT NULL,
    active      BOOLEAN     NOT NULL DEFAULT true,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    rotated_at  TIMESTAMPTZ
);
CREATE TABLE day_closes (
    business_date   DATE PRIMARY KEY,
    loans_processed INTEGER     NOT NULL,
    events          INTEGER     NOT NULL,
    seconds         DOUBLE PRECISION,
    closed_at       TIMESTAMPTZ NOT NULL DEFAULT now()
)
"""

DOWN = "DROP TABLE IF EXISTS day_closes, partners, charges, installments, loans"


def upgrade() -> None:
    execute_script(op, UP)


def downgrade() -> None:
    execute_script(op, DOWN)
