"""Contact points and complaints: the guarantor in the loan directory; complaints listed apart from cases.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07
"""

from alembic import op

from shared.migrate import execute_script

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

SQL = """
ALTER TABLE loan_directory ADD COLUMN guarantor JSONB;
CREATE TABLE complaints (
    complaint_id TEXT PRIMARY KEY,
    case_id      TEXT NOT NULL,
    loan_id      TEXT NOT NULL,
    category     TEXT NOT NULL,
    status       TEXT NOT NULL,
    owner        TEXT NOT NULL,
    collector    TEXT,
    opened_on    DATE NOT NULL,
    due_on       DATE NOT NULL,
    seq          BIGSERIAL,
    complaint    JSONB NOT NULL
);
CREATE INDEX complaints_status ON complaints (status, seq);
CREATE INDEX complaints_collector ON complaints (collector, seq)
"""

DROP = """
DROP TABLE IF EXISTS complaints;
ALTER TABLE loan_directory DROP COLUMN IF EXISTS guarantor
"""


def upgrade() -> None:
    execute_script(op, SQL)


def downgrade() -> None:
    execute_script(op, DROP)
