"""The event log's (type, businessdate) index, which every event paid for, becomes a partial index on the
complaint/dispute/time-bar events `queries.activities` looks for (the only query it served, scanning it whole).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""

from alembic import op

from services.reporting.adapters.writer import SECONDARY_INDEXES

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("DROP INDEX IF EXISTS rpt_events_type_day")
    op.execute(SECONDARY_INDEXES["rpt_events_complaints"])


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS rpt_events_complaints")
    op.execute("CREATE INDEX IF NOT EXISTS rpt_events_type_day ON rpt_events (type, businessdate)")
