"""Reaching the borrower (issue 14): why late and the visit target on contacts, the queue on case states,
complaints (about a collector) in their own table.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE rpt_contacts ADD COLUMN IF NOT EXISTS reason TEXT, "
               "ADD COLUMN IF NOT EXISTS visit_target INT")
    op.execute("ALTER TABLE rpt_case_states ADD COLUMN IF NOT EXISTS queue TEXT")
    op.execute("""
CREATE TABLE IF NOT EXISTS rpt_complaints (
    event_id     TEXT PRIMARY KEY,
    complaint_id TEXT NOT NULL,
    case_id      TEXT NOT NULL,
    loan_id      TEXT NOT NULL,
    businessdate DATE NOT NULL,
    category     TEXT NOT NULL,
    collector    TEXT
)""")


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS rpt_complaints")
    op.execute("ALTER TABLE rpt_case_states DROP COLUMN IF EXISTS queue")
    op.execute("ALTER TABLE rpt_contacts DROP COLUMN IF EXISTS reason, DROP COLUMN IF EXISTS visit_target")
