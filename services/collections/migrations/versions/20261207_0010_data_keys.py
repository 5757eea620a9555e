"""Collections' copies of the borrowers' data keys (issue 16, crypto-shredding): fetched from origination
when a sealed personal field is first shown, destroyed when `loan.borrower.erased` arrives.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07
"""

from alembic import op

from shared import datakeys
from shared.migrate import execute_script

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    execute_script(op, datakeys.DDL)


def downgrade() -> None:
    execute_script(op, datakeys.DROP)
