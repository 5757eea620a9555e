"""The access audit (shared.access_audit): who revealed which case's personal data, when and why.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07
"""

from alembic import op

from shared import access_audit
from shared.migrate import execute_script

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    execute_script(op, access_audit.DDL)


def downgrade() -> None:
    execute_script(op, access_audit.DROP)
