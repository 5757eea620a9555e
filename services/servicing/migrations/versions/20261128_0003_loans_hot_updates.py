"""Loans rows take day-close's version bumps as HOT updates: room on each page, no index on status.

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

UP = """
DROP INDEX IF EXISTS loans_overdue;
ALTER TABLE loans DROP CONSTRAINT IF EXISTS loans_stream_id_key;
ALTER TABLE loans SET (fillfactor = 80);
ALTER TABLE installments SET (fillfactor = 90)
"""

DOWN = """
ALTER TABLE installments RESET (fillfactor);
ALTER TABLE loans RESET (fillfactor);
ALTER TABLE loans ADD CONSTRAINT loans_stream_id_key UNIQUE (stream_id);
CREATE INDEX loans_overdue ON loans (loan_id) WHERE status = 'overdue'
"""


def upgrade() -> None:
    execute_script(op, UP)


def downgrade() -> None:
    execute_script(op, DOWN)
