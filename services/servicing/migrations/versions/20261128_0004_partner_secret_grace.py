"""Partners keep their previous secret for a grace period after a rotation.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28
"""

from alembic import op

from shared.migrate import execute_script

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

UP = """
ALTER TABLE partners ADD COLUMN previous_secret TEXT;
ALTER TABLE partners ADD COLUMN previous_valid_until TIMESTAMPTZ
"""

DOWN = """
ALTER TABLE partners DROP COLUMN IF EXISTS previous_valid_until;
ALTER TABLE partners DROP COLUMN IF EXISTS previous_secret
"""


def upgrade() -> None:
    execute_script(op, UP)


def downgrade() -> None:
    execute_script(op, DOWN)
