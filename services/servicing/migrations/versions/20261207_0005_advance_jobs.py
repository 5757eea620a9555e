"""Business-date advances run as jobs: one row per job, at most one running.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07
"""

from alembic import op

from shared.migrate import execute_script

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

UP = """
CREATE TABLE advance_jobs (
    job_id       TEXT PRIMARY KEY,
    status       TEXT        NOT NULL CHECK (status IN ('running', 'done', 'failed')),
    from_date    DATE        NOT NULL,
    to_date      DATE        NOT NULL,
    days_total   INTEGER     NOT NULL,
    days_done    INTEGER     NOT NULL DEFAULT 0,
    requested_by TEXT,
    error        TEXT,
    resumed      INTEGER     NOT NULL DEFAULT 0,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    finished_at  TIMESTAMPTZ
);
CREATE UNIQUE INDEX advance_jobs_one_running ON advance_jobs ((true)) WHERE status = 'running'
"""

DOWN = "DROP TABLE IF EXISTS advance_jobs"


def upgrade() -> None:
    execute_script(op, UP)


def downgrade() -> None:
    execute_script(op, DOWN)
