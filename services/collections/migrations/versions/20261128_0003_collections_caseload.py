"""Caseload counts per collector and the next day a case needs day-close attention.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""

from alembic import op

from shared.migrate import execute_script

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

SQL = """
ALTER TABLE cases ADD COLUMN overdue_since DATE;
ALTER TABLE cases ADD COLUMN next_check_on DATE;
UPDATE cases SET overdue_since = (state->>'overdue_since')::date, next_check_on = opened_on;
ALTER TABLE cases ALTER COLUMN overdue_since SET NOT NULL;
ALTER TABLE cases ALTER COLUMN next_check_on SET NOT NULL;
CREATE INDEX cases_next_check ON cases (next_check_on) WHERE status = 'open';
CREATE TABLE caseload (
    collector   TEXT PRIMARY KEY,
    open_cases  INTEGER NOT NULL DEFAULT 0
);
INSERT INTO caseload (collector, open_cases)
    SELECT assignee, count(*) FROM cases WHERE status = 'open' AND assignee IS NOT NULL GROUP BY assignee
"""

DROP = """
DROP TABLE IF EXISTS caseload;
DROP INDEX IF EXISTS cases_next_check;
ALTER TABLE cases DROP COLUMN IF EXISTS next_check_on;
ALTER TABLE cases DROP COLUMN IF EXISTS overdue_since
"""


def upgrade() -> None:
    execute_script(op, SQL)


def downgrade() -> None:
    execute_script(op, DROP)
