"""Day-close in one SQL statement: facts, events, versions, read model, charges and outbox.

The rules are those of `domain/dayclose.plan_day` (its docstring quotes DOMAIN.md §2), here
as set-based SQL so no event passes through Python:
- facts: open installments due before D grouped per loan (overdue) and those due D + N
  (reminders), of active loans only;
- events: one row per event with its order in the loan's day (missed, boundary miss,
  penalty charge, reminders by installment), numbered after the loan's current version
  with `row_number()`; each CloudEvent envelope is built with `jsonb_build_object` exactly
  as `CloudEvent.model_dump(mode="json", exclude_none=True)` renders it (money as
  `round(x, 2)::text`, "1234.50"; dates ISO; ids from `gen_random_uuid()`; the penalty
  charge id name-based, see `domain/dayclose.penalty_charge_id`);
- writes, as data-modifying CTEs of the same statement: the loans' version / status /
  overdue_since, the penalty charges, the `events` rows and, from what was inserted,
  the `outbox` rows (payload = the envelope's JSON text, key = the loan id), as
  `shared.eventstore.PostgresEventStore.append` writes them.
A lost race on a stream raises ConcurrencyConflict (day-close holds the loans table lock,
so it does not happen in practice).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import asyncpg

from shared.errors import ConcurrencyConflict
from shared.eventstore import NOTIFY_CHANNEL

# $1 day, $2 penalty daily rate, $3 reminder due date, $4 DPD boundaries, $5 source, $6 time,
# $7 correlation id, $8 outbox topic. Facts first read the open installments through the
# partial index, then their loans by key (nested loop), never a scan of the whole book.
CLOSE_DAY = """
WITH open_overdue AS MATERIALIZED (
    SELECT loan_id, min(due_date) AS since, min(number) AS first_number,
           sum(principal - principal_paid) AS principal_overdue,
           sum(principal - principal_paid + interest - interest_paid - interest_waived) AS amount_overdue,
           max(number) FILTER (WHERE due_date = $1::date - 1) AS missed_number,
           round(sum(principal - principal_paid) * $2::numeric, 2) AS penalty
    FROM installments WHERE NOT settled AND due_date < $1::date GROUP BY loan_id
), overdue AS MATERIALIZED (
    SELECT o.*, $1::date - o.since AS dpd, l.principal_outstanding, l.version, l.stream_id,
           jsonb_build_object('loan_id', o.loan_id, 'amount_overdue', round(o.amount_overdue, 2)::text,
                              'days_past_due', $1::date - o.since, 'overdue_since', to_char(o.since, 'YYYY-MM-DD'),
                              'principal_outstanding', round(l.principal_outstanding, 2)::text) AS common
    FROM open_overdue o JOIN LATERAL (
        SELECT * FROM loans WHERE loans.loan_id = o.loan_id AND status IN ('current', 'overdue') OFFSET 0) l ON true
), due AS MATERIALIZED (
    SELECT i.loan_id, i.number, i.due_date, l.version, l.stream_id,
           i.principal - i.principal_paid + i.interest - i.interest_paid - i.interest_waived AS amount_due
    FROM installments i JOIN LATERAL (
        SELECT * FROM loans WHERE loans.loan_id = i.loan_id AND status IN ('current', 'overdue') OFFSET 0) l ON true
    WHERE NOT i.settled AND i.due_date = $3::date
), planned AS (
    SELECT loan_id, version, stream_id, 1 AS ord, 0 AS sub, 'loan.payment.missed' AS type,
           common || jsonb_build_object('installment_number', missed_number,
                                        'due_date', to_char($1::date - 1, 'YYYY-MM-DD'))
                  || CASE WHEN dpd = ANY($4::int[]) AND since = $1::date - 1
                          THEN jsonb_build_object('dpd_boundary', dpd) ELSE '{}'::jsonb END AS data
    FROM overdue WHERE missed_number IS NOT NULL
    UNION ALL
    SELECT loan_id, version, stream_id, 2, 0, 'loan.payment.missed',
           common || jsonb_build_object('installment_number', first_number,
                                        'due_date', to_char(since, 'YYYY-MM-DD'), 'dpd_boundary', dpd)
    FROM overdue WHERE dpd = ANY($4::int[]) AND since <> $1::date - 1
    UNION ALL
    SELECT loan_id, version, stream_id, 3, 0, 'loan.charge.applied',
           jsonb_build_object('loan_id', loan_id, 'charge_id', {charge_id},
                              'kind', 'penalty_interest', 'amount', round(penalty, 2)::text,
                              'reason', '罚息 for ' || to_char($1::date, 'YYYY-MM-DD')
                                        || ' on overdue principal ' || round(principal_overdue, 2)::text)
    FROM overdue, LATERAL (SELECT md5('\\x6ba7b8119dad11d180b400c04fd430c8'::bytea || convert_to(
        'penalty/' || loan_id || '/' || to_char($1::date, 'YYYY-MM-DD'), 'UTF8')) AS h) name_hash
    WHERE penalty > 0
    UNION ALL
    SELECT loan_id, version, stream_id, 4, number, 'loan.payment.due',
           jsonb_build_object('loan_id', loan_id, 'installment_number', number,
                              'due_date', to_char(due_date, 'YYYY-MM-DD'), 'amount_due', round(amount_due, 2)::text)
    FROM due
), numbered AS (
    SELECT p.*, p.version + row_number() OVER (PARTITION BY p.loan_id ORDER BY p.ord, p.sub) AS seq
    FROM planned p
), touched AS (
    SELECT loan_id, max(since) AS since, sum(n) AS n FROM (
        SELECT loan_id, since, 0 AS n FROM overdue
        UNION ALL SELECT loan_id, NULL, 0 FROM due
        UNION ALL SELECT loan_id, NULL, count(*) FROM planned GROUP BY loan_id) t
    GROUP BY loan_id
), bumped AS (
    UPDATE loans l SET version = l.version + t.n,
                       status = CASE WHEN t.since IS NULL THEN l.status ELSE 'overdue' END,
                       overdue_since = coalesce(t.since, l.overdue_since), updated_at = now()
    FROM touched t WHERE l.loan_id = t.loan_id
    RETURNING l.loan_id
), charged AS (
    INSERT INTO charges (charge_id, loan_id, kind, amount, applied_on, reason)
    SELECT data->>'charge_id', loan_id, 'penalty_interest', penalty_amount, $1::date, data->>'reason'
    FROM (SELECT n.*, (n.data->>'amount')::numeric AS penalty_amount FROM numbered n
          WHERE n.type = 'loan.charge.applied' ORDER BY n.loan_id) c
    RETURNING 1
), inserted AS (
    INSERT INTO events (stream_id, version, event_id, type, envelope)
    SELECT stream_id, seq, id, type,
           jsonb_build_object('specversion', '1.0', 'id', id, 'source', $5::text, 'type', type,
                              'subject', loan_id, 'time', $6::text, 'datacontenttype', 'application/json',
                              'data', data, 'sequence', seq, 'correlationid', $7::text,
                              'businessdate', to_char($1::date, 'YYYY-MM-DD'), 'dataschemaversion', 1)
    FROM (SELECT n.*, gen_random_uuid()::text AS id FROM numbered n ORDER BY n.loan_id, n.seq) e
    RETURNING position, envelope
), published AS (
    INSERT INTO outbox (position, topic, key, payload)
    SELECT position, $8::text, envelope->>'subject', convert_to(envelope::text, 'UTF8') FROM inserted
    RETURNING 1
)
SELECT (SELECT count(*) FROM bumped) AS loans, (SELECT count(*) FROM published) AS events,
       (SELECT count(*) FROM charged) AS charges
"""

# The penalty charge id: RFC 4122 name-based UUID (version 3, MD5, URL namespace) of
# "penalty/<loan>/<day>", i.e. uuid.uuid3(NAMESPACE_URL, name) (`domain/dayclose.penalty_charge_id`).
CHARGE_ID = ("substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-3' || substr(h, 14, 3) || '-' || "
             "substr('89ab', (('x' || substr(h, 17, 1))::bit(4)::int & 3) + 1, 1) || substr(h, 18, 3) || '-' || "
             "substr(h, 21, 12)")
CLOSE_DAY_SQL = CLOSE_DAY.replace("{charge_id}", CHARGE_ID)


async def close_day_events(conn: asyncpg.Connection, *, day: date, penalty_rate: Decimal, reminder_days: int,
                           boundaries: list[int], source: str, time: datetime, correlationid: str,
                           topic: str) -> dict[str, Any]:
    """Write the day's events, outbox rows, charges and loan updates; returns the counts."""
    try:
        row = await conn.fetchrow(
            CLOSE_DAY_SQL,
            day, penalty_rate, day + timedelta(days=reminder_days), boundaries, source,
            time.isoformat().replace("+00:00", "Z"), correlationid, topic)
    except asyncpg.UniqueViolationError as exc:
        if exc.constraint_name == "events_event_id":
            raise
        raise ConcurrencyConflict("day-close batch", None) from exc
    assert row is not None
    if row["events"]:
        await conn.execute("SELECT pg_notify($1, '')", NOTIFY_CHANNEL)
    return dict(row)
