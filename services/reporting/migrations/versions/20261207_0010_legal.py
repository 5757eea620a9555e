"""Legal proceedings (issue 15): one row per step — referral, filing, payment order, judgment, enforcement,
police report, closed — and the time bar that lapses a referral not yet filed.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07
"""

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
CREATE TABLE IF NOT EXISTS rpt_legal_actions (
    event_id     TEXT PRIMARY KEY,
    case_id      TEXT NOT NULL,
    loan_id      TEXT NOT NULL,
    businessdate DATE NOT NULL,
    sequence     INT NOT NULL,
    kind         TEXT NOT NULL,
    happened_on  DATE NOT NULL,
    cost         NUMERIC(18, 2) NOT NULL,
    amount       NUMERIC(18, 2),
    outcome      TEXT
)""")


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS rpt_legal_actions")
