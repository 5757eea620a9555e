"""Arrangements (issue 15): each arrangement of any case, to find its case and list those awaiting approval.

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

SQL = """
CREATE TABLE arrangements (
    arrangement_id TEXT PRIMARY KEY,
    case_id        TEXT NOT NULL,
    loan_id        TEXT NOT NULL,
    status         TEXT NOT NULL,
    approver_role  TEXT,
    proposed_by    TEXT NOT NULL,
    seq            BIGSERIAL,
    arrangement    JSONB NOT NULL
);
CREATE INDEX arrangements_status ON arrangements (status, seq);
CREATE INDEX arrangements_case ON arrangements (case_id)
"""

DROP = "DROP TABLE IF EXISTS arrangements"


def upgrade() -> None:
    execute_script(op, SQL)


def downgrade() -> None:
    execute_script(op, DROP)
