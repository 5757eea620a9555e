"""Agencies and commission (issue 15): the recovery's channel, agency, placement and fee; agency placements.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # rows projected from v1 events were all the collector's (the upcaster says so too)
    op.execute(
        "ALTER TABLE rpt_recoveries ADD COLUMN IF NOT EXISTS channel TEXT NOT NULL DEFAULT 'collector', "
        "ADD COLUMN IF NOT EXISTS agency TEXT, ADD COLUMN IF NOT EXISTS placement_id TEXT, "
        "ADD COLUMN IF NOT EXISTS agency_fee NUMERIC(18, 2) NOT NULL DEFAULT 0"
    )
    op.execute("""
CREATE TABLE IF NOT EXISTS rpt_placements (
    event_id       TEXT PRIMARY KEY,
    placement_id   TEXT NOT NULL,
    case_id        TEXT NOT NULL,
    loan_id        TEXT NOT NULL,
    businessdate   DATE NOT NULL,
    kind           TEXT NOT NULL,
    agency         TEXT NOT NULL,
    fee_rate       NUMERIC(9, 6),
    placed_balance NUMERIC(18, 2),
    recall_on      DATE,
    reason         TEXT
)""")


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS rpt_placements")
    op.execute(
        "ALTER TABLE rpt_recoveries DROP COLUMN IF EXISTS channel, DROP COLUMN IF EXISTS agency, "
        "DROP COLUMN IF EXISTS placement_id, DROP COLUMN IF EXISTS agency_fee"
    )
