"""Installments that owe nothing (0.00 principal and interest) are settled, as the loan says.

The read model marked every new installment open; one of 0.00 was then "missed" by day-close
though the loan owes nothing on it (found by the day-close property test).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07
"""

from alembic import op

from shared.migrate import execute_script

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

UP = """
UPDATE installments SET settled = true
WHERE NOT settled AND principal - principal_paid <= 0 AND interest - interest_paid - interest_waived <= 0
"""


def upgrade() -> None:
    execute_script(op, UP)


def downgrade() -> None:
    pass  # settled is what the loan says; nothing to undo
