"""The roster's moves: each collector's queue and activity as the `roster` stream last set them.

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

UP = """
CREATE TABLE roster_moves (
    collector   TEXT PRIMARY KEY,
    queue       TEXT NOT NULL,
    active      BOOLEAN NOT NULL,
    position    BIGSERIAL NOT NULL,   -- order of first move: roster order after the configured collectors
    changed_by  TEXT NOT NULL,
    changed_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
"""

DOWN = "DROP TABLE IF EXISTS roster_moves"


def upgrade() -> None:
    execute_script(op, UP)


def downgrade() -> None:
    execute_script(op, DOWN)
