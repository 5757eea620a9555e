"""The event log's key columns compare as bytes (COLLATE "C"): no query orders by them (they are only
matched for equality, and the timeline orders in Python), and byte comparison makes the primary key's
inserts and the rebuild's index sorts cheaper (abbreviated keys; no strcoll per comparison).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

COLUMNS = ("event_id", "loan_id", "application_id")


def upgrade() -> None:
    op.execute("ALTER TABLE rpt_events " + ", ".join(f'ALTER COLUMN {c} TYPE text COLLATE "C"' for c in COLUMNS))


def downgrade() -> None:
    op.execute("ALTER TABLE rpt_events " + ", ".join(f'ALTER COLUMN {c} TYPE text COLLATE "default"' for c in COLUMNS))
