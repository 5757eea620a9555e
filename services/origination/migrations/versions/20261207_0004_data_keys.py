"""Borrowers' data keys (issue 16, crypto-shredding): the keys (sealed with LOANFLOW_SECRETS_KEY), the
returning borrower's key by an HMAC of the ID number, each application's key, and the loans' closing dates.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07
"""

from alembic import op

from services.origination.adapters import data_keys
from shared import datakeys
from shared.migrate import execute_script

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    execute_script(op, datakeys.DDL)
    execute_script(op, data_keys.DDL)


def downgrade() -> None:
    execute_script(op, data_keys.DROP)
    execute_script(op, datakeys.DROP)
