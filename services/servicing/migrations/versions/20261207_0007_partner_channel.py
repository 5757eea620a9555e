"""A partner may be bound to a channel: it then pays only loans of that channel's products.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07
"""

from alembic import op

from shared.migrate import execute_script

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

UP = "ALTER TABLE partners ADD COLUMN channel TEXT"

DOWN = "ALTER TABLE partners DROP COLUMN IF EXISTS channel"


def upgrade() -> None:
    execute_script(op, UP)


def downgrade() -> None:
    execute_script(op, DOWN)
