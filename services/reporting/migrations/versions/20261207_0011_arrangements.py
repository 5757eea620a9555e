"""Arrangements (issue 15): collections' proposals and decisions, servicing's waiver split and reversals.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07
"""

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
CREATE TABLE IF NOT EXISTS rpt_arrangements (
    event_id       TEXT PRIMARY KEY,
    arrangement_id TEXT NOT NULL,
    case_id        TEXT NOT NULL,
    loan_id        TEXT NOT NULL,
    businessdate   DATE NOT NULL,
    kind           TEXT NOT NULL,
    waived         NUMERIC(16,2),
    charges        NUMERIC(16,2),
    interest       NUMERIC(16,2),
    principal      NUMERIC(16,2),
    amount         NUMERIC(16,2)
)""")


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS rpt_arrangements")
