"""The credit bureau's outbox: one row per record to submit, written in the transaction of its event.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07
"""

from alembic import op

from shared.migrate import execute_script

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

UP = """
CREATE TABLE bureau_submissions (
    seq              BIGSERIAL   NOT NULL UNIQUE,        -- submission order (per loan: NEW before its COR)
    record_id        TEXT        PRIMARY KEY,            -- once per record: a second insert does nothing
    loan_id          TEXT        NOT NULL,
    event_id         TEXT        NOT NULL,               -- the event recording the record
    event_type       TEXT        NOT NULL,               -- loan.credit_record.reported | .corrected
    data             JSONB       NOT NULL,               -- its data: no personal data (ids, amounts, dates)
    status           TEXT        NOT NULL DEFAULT 'pending'
                     CHECK (status IN ('pending', 'sent', 'not_submittable')),
    reason           TEXT,                               -- not_submittable: why (erased)
    attempts         INTEGER     NOT NULL DEFAULT 0,
    next_attempt_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_attempt_at  TIMESTAMPTZ,
    last_error       TEXT,                               -- the kind of error only, never personal data
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    done_at          TIMESTAMPTZ,
    CHECK ((status = 'not_submittable') = (reason IS NOT NULL))
);
CREATE INDEX bureau_submissions_due ON bureau_submissions (seq) WHERE status = 'pending';
CREATE INDEX bureau_submissions_pending_by_loan ON bureau_submissions (loan_id, seq) WHERE status = 'pending';
CREATE INDEX bureau_submissions_not_submittable ON bureau_submissions (seq) WHERE status = 'not_submittable';
CREATE INDEX bureau_submissions_sent ON bureau_submissions (done_at) WHERE status = 'sent';
"""

DOWN = "DROP TABLE IF EXISTS bureau_submissions"


def upgrade() -> None:
    execute_script(op, UP)


def downgrade() -> None:
    execute_script(op, DOWN)
