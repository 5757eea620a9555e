"""Platform tables: event store, outbox, inbox, positions, dead letters, idempotency keys.

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""

from alembic import op

from shared.db import PLATFORM_DDL, PLATFORM_DROP
from shared.migrate import execute_script

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    execute_script(op, PLATFORM_DDL)


def downgrade() -> None:
    execute_script(op, PLATFORM_DROP)
