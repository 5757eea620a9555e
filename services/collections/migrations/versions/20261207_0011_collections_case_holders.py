"""Cases remember when they were last assigned and who has held them (idle-case rebalancing reads both).

The case row is a snapshot of its stream's fold: existing rows get the two new fields from their streams'
`collections.case.assigned` events, so a replay still folds back to the row.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07
"""

from alembic import op

from shared.migrate import execute_script

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

UP = """
WITH assigned AS (
    SELECT stream_id, version, envelope->>'businessdate' AS on_date, envelope->'data'->>'collector' AS collector
    FROM events WHERE type = 'collections.case.assigned'),
latest AS (
    SELECT DISTINCT ON (stream_id) stream_id, on_date FROM assigned ORDER BY stream_id, version DESC),
firsts AS (
    SELECT stream_id, collector, min(version) AS first FROM assigned WHERE collector IS NOT NULL
    GROUP BY stream_id, collector),
holders AS (
    SELECT stream_id, jsonb_agg(collector ORDER BY first) AS holders FROM firsts GROUP BY stream_id)
UPDATE cases c
SET state = c.state || jsonb_build_object('assigned_on', l.on_date,
                                          'holders', coalesce(h.holders, '[]'::jsonb))
FROM latest l LEFT JOIN holders h ON h.stream_id = l.stream_id
WHERE l.stream_id = 'case-' || c.case_id;
"""

DOWN = "UPDATE cases SET state = state - 'assigned_on' - 'holders'"


def upgrade() -> None:
    execute_script(op, UP)


def downgrade() -> None:
    execute_script(op, DOWN)
