"""The policy arm each case follows (champion/challenger, issue 17), from collections.case.opened.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
CREATE TABLE IF NOT EXISTS rpt_case_arms (
    event_id     TEXT PRIMARY KEY,
    case_id      TEXT NOT NULL,
    loan_id      TEXT NOT NULL,
    businessdate DATE NOT NULL,
    arm          TEXT NOT NULL
)""")


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS rpt_case_arms")
