"""Day-close in one SQL statement: facts, events, versions, read model, charges and outbox.

The rule is `domain/dayclose.day_close` (its docstring quotes DOMAIN.md §2), here as set-based
SQL over the whole book so no event passes through Python (the property test
`tests/servicing/test_dayclose_property.py` holds it to the domain function on generated books):
- facts: open installments due before D (overdue) and those due D + N (reminders), grouped
  per loan in one pass, of active loans only (each loan row looked up once);
- events: one row per event in its order in the loan's day (missed, boundary miss, penalty
  charge, reminders by installment), numbered after the loan's current version by counting
  the events before it; the data rendered as JSON text as the contract models render it
  (`EventData.to_data()`: money "1234.50", dates ISO, the penalty charge id name-based, see
  `domain/dayclose.penalty_charge_id`);
- the envelopes, event ids, positions, `events` and `outbox` rows: the event store's
  `shared.eventstore.SetAppend` (the same envelope text and masking rule as `append`);
- the loans' version / status / overdue_since and the penalty charges, as data-modifying CTEs
  of the same statement.
A lost race on a stream raises ConcurrencyConflict (day-close holds the loans table lock,
so it does not happen in practice).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import asyncpg

from shared.errors import ConcurrencyConflict
from shared.eventstore import PostgresEventStore, SetAppend

# $1 day, $2 penalty daily rate, $3 reminder due date, $4 DPD boundaries, $5 / $6 / $7 D, D − 1
# and D + N as ISO text; from $8 on, the event store's (`SetAppend.args`: envelope, topic).
# - `facts`, one row per loan: its open installments due before D (through the partial
#   index on open installments) and those due D + N (reminders), aggregated in one pass;
# - `day`: those of active loans, each loan's row found once by key (nested loop), with its
#   ctid for the version bump (a TID scan: the caller holds the loans table lock, and the
#   bump's row count is checked) and how many events of each kind it gets;
# - a loan's events follow one another in a fixed order (missed, boundary miss, penalty
#   charge, reminders by installment number), so each `sequence` is the loan's version plus
#   counts; positions are drawn in (loan, sequence) order, a loan's events side by side;
# - event data is JSON text (keys in the contract models' order, strings escaped by to_json,
#   money as round(x, 2)::text "1234.50", dates ISO): `planned` is what the event store's
#   `SetAppend.writes` numbers, wraps in envelopes and writes to `events` and `outbox`.
# No step joins two sets (every lookup is by key or TID), so the caller turns hash and merge
# joins off: the planner overestimates the open installments due before D (it cannot see
# that unsettled ones are recent) and would otherwise scan the whole loans table; for the
# same reason it groups the facts by sorting (a hash table sized for the estimate spills).
CLOSE_DAY = """
WITH facts AS MATERIALIZED (
    SELECT loan_id, min(due_date) FILTER (WHERE late) AS since, min(number) FILTER (WHERE late) AS first_number,
           sum(principal_left) FILTER (WHERE late) AS principal_overdue,
           sum(amount_left) FILTER (WHERE late) AS amount_overdue,
           max(number) FILTER (WHERE late AND due_date = $1::date - 1) AS missed_number,
           round(sum(principal_left) FILTER (WHERE late) * $2::numeric, 2) AS penalty,
           array_agg(number) FILTER (WHERE NOT late) AS due_numbers,
           array_agg(amount_left) FILTER (WHERE NOT late) AS due_amounts
    FROM (SELECT loan_id, number, due_date, principal - principal_paid AS principal_left,
                 principal - principal_paid + interest - interest_paid - interest_waived AS amount_left, true AS late
          FROM installments WHERE NOT settled AND due_date < $1::date
          UNION ALL
          SELECT loan_id, number, due_date, NULL,
                 principal - principal_paid + interest - interest_paid - interest_waived, false
          FROM installments WHERE NOT settled AND due_date = $3::date) i
    GROUP BY loan_id
), day AS MATERIALIZED (
    SELECT f.*, l.row_id, l.version, l.stream_id, l.principal_outstanding, to_json(f.loan_id)::text AS id_json,
           $1::date - f.since AS dpd, (f.missed_number IS NOT NULL)::int AS n_missed,
           coalesce(($1::date - f.since = ANY($4::int[]) AND f.since <> $1::date - 1)::int, 0) AS n_boundary,
           coalesce((f.penalty > 0)::int, 0) AS n_charge, coalesce(cardinality(f.due_numbers), 0) AS n_due
    FROM facts f JOIN LATERAL (
        SELECT ctid AS row_id, version, stream_id, principal_outstanding FROM loans
        WHERE loans.loan_id = f.loan_id AND status IN ('current', 'overdue') OFFSET 0) l ON true
), planned AS (
    SELECT loan_id, stream_id, loan_id AS subject, loan_id AS key, id_json, version + 1 AS version,
           'loan.payment.missed' AS type,
           '{"loan_id":' || id_json || ',"installment_number":' || missed_number || ',"due_date":"' || $6::text
           || '","amount_overdue":"' || round(amount_overdue, 2) || '","days_past_due":' || dpd
           || ',"overdue_since":"' || to_char(since, 'YYYY-MM-DD') || '","principal_outstanding":"'
           || round(principal_outstanding, 2) || '"'
           || CASE WHEN dpd = ANY($4::int[]) AND since = $1::date - 1 THEN ',"dpd_boundary":' || dpd ELSE '' END
           || ',"principal_overdue":"' || round(principal_overdue, 2) || '"}' AS data,
           NULL::numeric AS penalty, NULL AS charge_id, NULL AS reason
    FROM day WHERE n_missed = 1
    UNION ALL
    SELECT loan_id, stream_id, loan_id, loan_id, id_json, version + n_missed + 1, 'loan.payment.missed',
           '{"loan_id":' || id_json || ',"installment_number":' || first_number || ',"due_date":"'
           || to_char(since, 'YYYY-MM-DD') || '","amount_overdue":"' || round(amount_overdue, 2)
           || '","days_past_due":' || dpd || ',"overdue_since":"' || to_char(since, 'YYYY-MM-DD')
           || '","principal_outstanding":"' || round(principal_outstanding, 2) || '","dpd_boundary":' || dpd
           || ',"principal_overdue":"' || round(principal_overdue, 2) || '"}',
           NULL, NULL, NULL
    FROM day WHERE n_boundary = 1
    UNION ALL
    SELECT loan_id, stream_id, loan_id, loan_id, id_json, version + n_missed + n_boundary + 1, 'loan.charge.applied',
           '{"loan_id":' || id_json || ',"charge_id":"' || charge_id || '","kind":"penalty_interest","amount":"'
           || penalty || '","reason":' || to_json(reason)::text || '}', penalty, charge_id, reason
    FROM (SELECT d.loan_id, d.stream_id, d.id_json, d.version, d.n_missed, d.n_boundary, d.penalty,
                 {charge_id} AS charge_id,
                 '罚息 for ' || $5::text || ' on overdue principal '
                 || round(d.principal_overdue, 2) AS reason
          FROM day d, LATERAL (SELECT md5('\\x6ba7b8119dad11d180b400c04fd430c8'::bytea || convert_to(
              'penalty/' || d.loan_id || '/' || $5::text, 'UTF8')) AS h OFFSET 0) name_hash
          WHERE d.n_charge = 1) c
    UNION ALL
    SELECT d.loan_id, d.stream_id, d.loan_id, d.loan_id, d.id_json, d.version + d.n_missed + d.n_boundary + d.n_charge
           + CASE WHEN d.n_due = 1 THEN 1 ELSE (SELECT count(*) FROM unnest(d.due_numbers) x WHERE x <= r.number) END,
           'loan.payment.due',
           '{"loan_id":' || d.id_json || ',"installment_number":' || r.number || ',"due_date":"'
           || $7::text || '","amount_due":"' || round(r.amount, 2) || '"}', NULL, NULL, NULL
    FROM day d, unnest(d.due_numbers, d.due_amounts) AS r(number, amount)
), {writes}, bumped AS (
    UPDATE loans l SET version = l.version + d.n_missed + d.n_boundary + d.n_charge + d.n_due,
                       status = CASE WHEN d.since IS NULL THEN l.status ELSE 'overdue' END,
                       overdue_since = coalesce(d.since, l.overdue_since), updated_at = now()
    FROM day d WHERE l.ctid = d.row_id
    RETURNING 1
), charged AS (
    INSERT INTO charges (charge_id, loan_id, kind, amount, applied_on, reason)
    SELECT charge_id, loan_id, 'penalty_interest', penalty, $1::date, reason
    FROM staged WHERE type = 'loan.charge.applied' ORDER BY position
    RETURNING 1
)
SELECT (SELECT count(*) FROM day) AS loans, (SELECT count(*) FROM bumped) AS bumped,
       (SELECT count(*) FROM charged) AS charges, {counts}
"""

# The penalty charge id: RFC 4122 name-based UUID (version 3, MD5, URL namespace) of
# "penalty/<loan>/<day>", i.e. uuid.uuid3(NAMESPACE_URL, name) (`domain/dayclose.penalty_charge_id`).
CHARGE_ID = ("substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-3' || substr(h, 14, 3) || '-' || "
             "substr('89ab', (('x' || substr(h, 17, 1))::bit(4)::int & 3) + 1, 1) || substr(h, 18, 3) || '-' || "
             "substr(h, 21, 12)")
CLOSE_DAY_SQL = CLOSE_DAY.replace("{charge_id}", CHARGE_ID)


EVENT_TYPES = ("loan.payment.missed", "loan.charge.applied", "loan.payment.due")
PARAMS = 7  # the statement's own, before the event store's


def close_day_sql(append: SetAppend) -> str:
    """The statement, with the event store's writes (their parameters start at PARAMS + 1)."""
    return CLOSE_DAY_SQL.replace("{writes}", append.writes("planned", "p.loan_id, p.version")).replace(
        "{counts}", append.COUNTS)


async def close_day_events(conn: asyncpg.Connection, store: PostgresEventStore, *, day: date,
                           penalty_rate: Decimal, reminder_days: int, boundaries: list[int], source: str,
                           time: datetime, correlationid: str) -> dict[str, Any]:
    """Write the day's events, outbox rows, charges and loan updates; returns the counts."""
    append = SetAppend(store, EVENT_TYPES, source=source, time=time, businessdate=day, correlationid=correlationid,
                       first_param=PARAMS + 1)
    due = day + timedelta(days=reminder_days)
    # compiling this plan costs seconds and saves nothing; the staged events stay in memory; every
    # lookup is by key or TID (see CLOSE_DAY), which the planner, misled by the estimates, would not choose;
    # the facts are grouped by sorting (a hash table sized for the estimate spills at 1,000,000 loans)
    await conn.execute("SET LOCAL jit = off; SET LOCAL work_mem = '64MB'; SET LOCAL enable_hashjoin = off; "
                       "SET LOCAL enable_mergejoin = off; SET LOCAL enable_hashagg = off")
    row = await append.run(conn, close_day_sql(append), day, penalty_rate, due, boundaries, day.isoformat(),
                           (day - timedelta(days=1)).isoformat(), due.isoformat(), *append.args())
    await conn.execute("RESET enable_hashjoin; RESET enable_mergejoin; RESET enable_hashagg")  # the rest plans freely
    written = dict(row)
    if written.pop("bumped") != written["loans"]:  # a loan row moved under us: only without the table lock
        raise ConcurrencyConflict("day-close batch", None)
    return written
