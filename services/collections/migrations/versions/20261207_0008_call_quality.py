"""Call quality (issue 16): recorded contacts, the weekly QA samples, reviews and their findings.

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

SQL = """
CREATE TABLE recordings (
    contact_id    TEXT PRIMARY KEY REFERENCES contacts (contact_id),
    case_id       TEXT        NOT NULL,
    loan_id       TEXT        NOT NULL,
    collector     TEXT        NOT NULL,
    channel       TEXT        NOT NULL,
    outcome       TEXT        NOT NULL,
    contacted_at  TIMESTAMPTZ NOT NULL,
    business_date DATE        NOT NULL,
    week          TEXT        NOT NULL,
    recording     JSONB       NOT NULL
);
CREATE INDEX recordings_week ON recordings (week, collector, contact_id);
CREATE TABLE qa_samples (
    week          TEXT PRIMARY KEY,
    seed          TEXT    NOT NULL,
    per_collector INTEGER NOT NULL,
    drawn_by      TEXT    NOT NULL,
    drawn_on      DATE    NOT NULL,
    population    JSONB   NOT NULL,
    sample        JSONB   NOT NULL
);
CREATE TABLE qa_reviews (
    review_id   TEXT PRIMARY KEY,
    contact_id  TEXT NOT NULL UNIQUE,
    case_id     TEXT NOT NULL,
    collector   TEXT NOT NULL,
    reviewer    TEXT NOT NULL,
    week        TEXT NOT NULL,
    reviewed_on DATE NOT NULL,
    review      JSONB NOT NULL
);
CREATE TABLE qa_findings (
    finding_id        TEXT PRIMARY KEY,
    review_id         TEXT    NOT NULL REFERENCES qa_reviews (review_id),
    contact_id        TEXT    NOT NULL,
    case_id           TEXT    NOT NULL,
    collector         TEXT    NOT NULL,
    item              TEXT    NOT NULL,
    coaching_required BOOLEAN NOT NULL,
    acknowledged_on   DATE,
    seq               BIGSERIAL,
    finding           JSONB   NOT NULL
);
CREATE INDEX qa_findings_collector ON qa_findings (collector, seq)
"""

DROP = """
DROP TABLE IF EXISTS qa_findings;
DROP TABLE IF EXISTS qa_reviews;
DROP TABLE IF EXISTS qa_samples;
DROP TABLE IF EXISTS recordings
"""


def upgrade() -> None:
    execute_script(op, SQL)


def downgrade() -> None:
    execute_script(op, DROP)
