"""The access audit (shared.access_audit): who revealed which application's personal data, when and why.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07
"""

from alembic import op

from shared import access_audit
from shared.migrate import execute_script

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    execute_script(op, access_audit.DDL)


def downgrade() -> None:
    execute_script(op, access_audit.DROP)
