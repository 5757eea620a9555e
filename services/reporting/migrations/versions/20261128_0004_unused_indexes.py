"""Drop the indexes on the schedule, allocations and case states: their queries read them whole (sequential
scans, hash joins, sorts), so the indexes were only ever written, by every event and every rebuild.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

UNUSED = {
    "rpt_schedule_loan": "CREATE INDEX IF NOT EXISTS rpt_schedule_loan ON rpt_schedule (loan_id)",
    "rpt_allocations_loan": "CREATE INDEX IF NOT EXISTS rpt_allocations_loan ON rpt_allocations (loan_id)",
    "rpt_case_states_case":
        "CREATE INDEX IF NOT EXISTS rpt_case_states_case ON rpt_case_states (case_id, businessdate, sequence)",
}


def upgrade() -> None:
    for name in UNUSED:
        op.execute(f"DROP INDEX IF EXISTS {name}")


def downgrade() -> None:
    for sql in UNUSED.values():
        op.execute(sql)
