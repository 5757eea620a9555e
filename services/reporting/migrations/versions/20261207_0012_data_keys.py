"""Reporting's copies of the borrowers' data keys (issue 16, crypto-shredding): fetched from origination
when a sealed personal field is first shown, destroyed when `loan.borrower.erased` arrives. A rebuild of
the read models leaves this table alone. And the access audit: unmasked exports (when configured) are recorded.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07
"""

from alembic import op

from shared import access_audit, datakeys
from shared.migrate import execute_script

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    execute_script(op, datakeys.DDL)
    execute_script(op, access_audit.DDL)  # unmasked exports, when configured, are recorded


def downgrade() -> None:
    execute_script(op, access_audit.DROP)
    execute_script(op, datakeys.DROP)
