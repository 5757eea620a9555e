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

import json
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import asyncpg

from shared.errors import ConcurrencyConflict
from shared.eventstore import NOTIFY_CHANNEL

# $1 day, $2 penalty daily rate, $3 reminder due date, $4 DPD boundaries, $5 outbox topic,
# $6 the envelope's head up to "type" (JSON text), $7 its tail after "sequence" (JSON text),
# $8 the event stream's position sequence. Facts first read the open installments through
# the partial index, then their loans by key (nested loop), never a scan of the whole book.
# Event data and envelopes are built as JSON text (data keys in the contract models' order,
# strings escaped by to_json, the envelope's fields as CloudEvent renders them) and parsed
# once into `events.envelope`; the outbox payload is that same text.
CLOSE_DAY = """
WITH open_overdue AS MATERIALIZED (
    SELECT loan_id, min(due_date) AS since, min(number) AS first_number,
           sum(principal - principal_paid) AS principal_overdue,
           sum(principal - principal_paid + interest - interest_paid - interest_waived) AS amount_overdue,
           max(number) FILTER (WHERE due_date = $1::date - 1) AS missed_number,
           round(sum(principal - principal_paid) * $2::numeric, 2) AS penalty
    FROM installments WHERE NOT settled AND due_date < $1::date GROUP BY loan_id
), overdue AS MATERIALIZED (
    SELECT o.*, $1::date - o.since AS dpd, l.version, l.stream_id, to_json(o.loan_id)::text AS id_json,
           '{"loan_id":' || to_json(o.loan_id)::text || ',"amount_overdue":"' || round(o.amount_overdue, 2)
           || '","days_past_due":' || ($1::date - o.since) || ',"overdue_since":"' || to_char(o.since, 'YYYY-MM-DD')
           || '","principal_outstanding":"' || round(l.principal_outstanding, 2) || '"' AS common,
           {charge_id} AS charge_id,
           '罚息 for ' || to_char($1::date, 'YYYY-MM-DD') || ' on overdue principal '
           || round(o.principal_overdue, 2) AS reason
    FROM open_overdue o JOIN LATERAL (
        SELECT version, stream_id, principal_outstanding FROM loans
        WHERE loans.loan_id = o.loan_id AND status IN ('current', 'overdue') OFFSET 0) l ON true,
        LATERAL (SELECT md5('\\x6ba7b8119dad11d180b400c04fd430c8'::bytea || convert_to(
            'penalty/' || o.loan_id || '/' || to_char($1::date, 'YYYY-MM-DD'), 'UTF8')) AS h OFFSET 0) name_hash
), due AS MATERIALIZED (
    SELECT i.loan_id, i.number, i.due_date, l.version, l.stream_id, to_json(i.loan_id)::text AS id_json,
           i.principal - i.principal_paid + i.interest - i.interest_paid - i.interest_waived AS amount_due
    FROM installments i JOIN LATERAL (
        SELECT version, stream_id FROM loans
        WHERE loans.loan_id = i.loan_id AND status IN ('current', 'overdue') OFFSET 0) l ON true
    WHERE NOT i.settled AND i.due_date = $3::date
), planned AS (
    SELECT loan_id, id_json, version, stream_id, 1 AS ord, 0 AS sub, 'loan.payment.missed' AS type,
           common || ',"installment_number":' || missed_number || ',"due_date":"'
           || to_char($1::date - 1, 'YYYY-MM-DD') || '"'
           || CASE WHEN dpd = ANY($4::int[]) AND since = $1::date - 1 THEN ',"dpd_boundary":' || dpd ELSE '' END
           || '}' AS data, NULL::numeric AS penalty, NULL AS charge_id, NULL AS reason
    FROM overdue WHERE missed_number IS NOT NULL
    UNION ALL
    SELECT loan_id, id_json, version, stream_id, 2, 0, 'loan.payment.missed',
           common || ',"installment_number":' || first_number || ',"due_date":"' || to_char(since, 'YYYY-MM-DD')
           || '","dpd_boundary":' || dpd || '}', NULL, NULL, NULL
    FROM overdue WHERE dpd = ANY($4::int[]) AND since <> $1::date - 1
    UNION ALL
    SELECT loan_id, id_json, version, stream_id, 3, 0, 'loan.charge.applied',
           '{"loan_id":' || id_json || ',"charge_id":"' || charge_id || '","kind":"penalty_interest","amount":"'
           || penalty || '","reason":' || to_json(reason)::text || '}', penalty, charge_id, reason
    FROM overdue
    WHERE penalty > 0
    UNION ALL
    SELECT loan_id, id_json, version, stream_id, 4, number, 'loan.payment.due',
           '{"loan_id":' || id_json || ',"installment_number":' || number || ',"due_date":"'
           || to_char(due_date, 'YYYY-MM-DD') || '","amount_due":"' || round(amount_due, 2) || '"}', NULL, NULL, NULL
    FROM due
), numbered AS MATERIALIZED (
    SELECT s.*, nextval($8::regclass) AS position FROM (
        SELECT p.*, p.version + row_number() OVER (PARTITION BY p.loan_id ORDER BY p.ord, p.sub) AS seq,
               gen_random_uuid()::text AS event_id
        FROM planned p ORDER BY p.loan_id, p.ord, p.sub) s
), staged AS MATERIALIZED (
    SELECT position, loan_id, stream_id, seq, event_id, type,
           $6::text || '"id":"' || event_id || '","type":"' || type || '","subject":' || id_json
           || ',"data":' || data || ',"sequence":' || seq || $7::text AS envelope
    FROM numbered
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
    SELECT charge_id, loan_id, 'penalty_interest', penalty, $1::date, reason
    FROM numbered WHERE type = 'loan.charge.applied' ORDER BY position
    RETURNING 1
), inserted AS (
    INSERT INTO events (position, stream_id, version, event_id, type, envelope)
    SELECT position, stream_id, seq, event_id, type, envelope::jsonb FROM staged
    RETURNING 1
), published AS (
    INSERT INTO outbox (position, topic, key, payload)
    SELECT position, $5::text, loan_id, convert_to(envelope, 'UTF8') FROM staged
    RETURNING 1
)
SELECT (SELECT count(*) FROM bumped) AS loans, (SELECT count(*) FROM inserted) AS events,
       (SELECT count(*) FROM published) AS published, (SELECT count(*) FROM charged) AS charges
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
    """Write the day's events, outbox rows, charges and loan updates; returns the counts.

    The envelope has the fields of `CloudEvent.model_dump(mode="json", exclude_none=True)`; the
    parts shared by the whole day (source, time, correlation id, business date) are rendered here once.
    """
    head = _json({"specversion": "1.0", "source": source, "time": time.isoformat().replace("+00:00", "Z"),
                  "datacontenttype": "application/json"})[:-1] + ","
    tail = "," + _json({"correlationid": correlationid, "businessdate": day.isoformat(), "dataschemaversion": 1})[1:]
    # compiling this plan costs seconds and saves nothing; the staged events stay in memory
    await conn.execute("SET LOCAL jit = off; SET LOCAL work_mem = '64MB'")
    try:
        row = await conn.fetchrow(
            CLOSE_DAY_SQL, day, penalty_rate, day + timedelta(days=reminder_days), boundaries, topic, head, tail,
            "events_position_seq")
    except asyncpg.UniqueViolationError as exc:
        if exc.constraint_name == "events_event_id":
            raise
        raise ConcurrencyConflict("day-close batch", None) from exc
    assert row is not None
    if row["events"]:
        await conn.execute("SELECT pg_notify($1, '')", NOTIFY_CHANNEL)
    return dict(row)


def _json(value: dict[str, Any]) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
