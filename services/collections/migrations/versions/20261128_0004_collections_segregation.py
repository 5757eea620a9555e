"""Who originated each loan, so collections never assigns a loan to its approver.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28
"""

from alembic import op

from shared.migrate import execute_script

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

SQL = """
ALTER TABLE loan_directory ADD COLUMN application_id TEXT;
CREATE INDEX loan_directory_application ON loan_directory (application_id);
CREATE TABLE origination_people (
    application_id TEXT NOT NULL,
    person         TEXT NOT NULL,
    role           TEXT NOT NULL,
    PRIMARY KEY (application_id, person, role)
)
"""

DROP = """
DROP TABLE IF EXISTS origination_people;
DROP INDEX IF EXISTS loan_directory_application;
ALTER TABLE loan_directory DROP COLUMN IF EXISTS application_id
"""


def upgrade() -> None:
    execute_script(op, SQL)


def downgrade() -> None:
    execute_script(op, DROP)
