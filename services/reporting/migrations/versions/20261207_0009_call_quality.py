"""Call quality (issue 16): QA reviews of a collector's recorded contacts and their findings (failed items).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07
"""

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
CREATE TABLE IF NOT EXISTS rpt_qa_reviews (
    event_id     TEXT PRIMARY KEY,
    review_id    TEXT NOT NULL,
    case_id      TEXT NOT NULL,
    loan_id      TEXT NOT NULL,
    businessdate DATE NOT NULL,
    collector    TEXT NOT NULL
)""")
    op.execute("""
CREATE TABLE IF NOT EXISTS rpt_qa_findings (
    event_id     TEXT    NOT NULL,
    line_no      INTEGER NOT NULL,
    review_id    TEXT    NOT NULL,
    finding_id   TEXT    NOT NULL,
    item         TEXT    NOT NULL,
    loan_id      TEXT    NOT NULL,
    businessdate DATE    NOT NULL,
    collector    TEXT    NOT NULL,
    PRIMARY KEY (event_id, line_no)
)""")


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS rpt_qa_findings")
    op.execute("DROP TABLE IF EXISTS rpt_qa_reviews")
