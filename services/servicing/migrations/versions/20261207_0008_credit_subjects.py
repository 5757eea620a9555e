"""Whom the credit bureau files a loan's records under (from loan.disbursed): application, name, ID as received.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""

from alembic import op

from shared.migrate import execute_script

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

UP = """
CREATE TABLE credit_subjects (
    loan_id         TEXT PRIMARY KEY,
    application_id  TEXT NOT NULL,
    name            TEXT NOT NULL,
    id_number       TEXT NOT NULL
);
"""

DOWN = "DROP TABLE IF EXISTS credit_subjects"


def upgrade() -> None:
    execute_script(op, UP)


def downgrade() -> None:
    execute_script(op, DOWN)
