"""Day-close over a book of active loans: seconds and events/s beside one bare SQL statement.

Seeds N active loans (12 monthly installments each, due days spread over 1..30) straight
into a fresh servicing database with bulk SQL, every installment before the day paid, so
that on the measured business date D about 1/30 of the loans miss the installment due
D − 1 (loan.payment.missed + 罚息 charge) and another 1/30 get a reminder for D + 3
(loan.payment.due). Then:
- ours: `advance(pool, servicing, D)`: the service's set-based day-close in one
  transaction (one SQL statement building the events and writing events, outbox rows,
  charges and the loans' versions; then servicing.day.closed, commit);
- baseline: one bare set-based INSERT … SELECT over the same open installments (same
  partial index) writing one row per penalty and reminder, run three times in the same
  run (autocommit, table emptied between runs); the ratio uses the median;
- for context, two write floors, both into empty copies of the tables (same indexes) and
  committed: the very event and outbox rows day-close wrote, inserted again from the client
  as pre-serialised text with the same two unnest statements (`raw_event_write`), and the
  same rows already parsed and staged in the server, inserted with two INSERT … SELECT
  (`server_event_write`: the writes alone; `server_event_write_vs_bare_sql` shows how far
  they alone are from issue 8's 5x).

`python -m bench.scenarios.dayclose --size tiny` prints the JSON (PostgreSQL from
LOANFLOW_TEST_DATABASE_URL or LOANFLOW_DATABASE_URL); sizes: tiny 300 loans, default
100,000, large 1,000,000.
"""

from __future__ import annotations

import statistics
import sys
import time
from datetime import date, timedelta
from typing import Any

from bench.support import fresh_database, pick, rate, ratio, run_alone, unique
from services.servicing.bootstrap import MIGRATIONS
from services.servicing.config import ServicingSettings
from services.servicing.service_layer.dayclose import advance
from services.servicing.service_layer.handlers import Servicing
from shared.clock import SystemClock
from shared.db import create_pool, store_business_date
from shared.eventstore import PostgresEventStore
from shared.migrate import upgrade

DAY = date(2026, 6, 15)
# Day-close of the default book (100,000 loans) within 10 s, at most 6x the bare write of its own rows;
# issue 8's target, at most 5x the bare SQL statement (missed: see services/servicing/README.md).
TARGETS = {"figures.seconds": {"max": 10.0}, "dayclose_vs_raw_event_write": {"max": 6.0},
           "dayclose_vs_bare_sql": {"max": 5.0}}

SEED_LOANS = """
INSERT INTO loans (loan_id, stream_id, version, status, principal, annual_rate, term_months, repayment_method,
                   disbursement_date, due_day, product, borrower_name, principal_outstanding)
SELECT 'L' || g, 'loan-L' || g, 1, 'current', 10000.00, 0.12, 12, 'equal_principal', date '2025-12-01',
       1 + g % 30, 'credit', 'bench', 10000.00
FROM generate_series(1, $1::int) AS g
"""
SEED_INSTALLMENTS = """
INSERT INTO installments (loan_id, number, due_date, principal, interest, principal_paid, interest_paid, settled)
SELECT s.loan_id, s.n, s.due, s.p, s.i, CASE WHEN s.due < $2::date - 1 THEN s.p ELSE 0 END,
       CASE WHEN s.due < $2::date - 1 THEN s.i ELSE 0 END, s.due < $2::date - 1
FROM (
    SELECT 'L' || g AS loan_id, n,
           make_date(2026, n, least(1 + g % 30,
                                    extract(day FROM make_date(2026, n, 1) + interval '1 month - 1 day')::int)) AS due,
           CASE WHEN n = 12 THEN 833.37 ELSE 833.33 END AS p, round((10000.00 - 833.33 * (n - 1)) * 0.01, 2) AS i
    FROM generate_series(1, $1::int) AS g, generate_series(1, 12) AS n
) s
"""
SEED_OUTSTANDING = """
UPDATE loans l SET principal_outstanding = o.left
FROM (SELECT loan_id, sum(principal - principal_paid) AS left FROM installments GROUP BY loan_id) o
WHERE l.loan_id = o.loan_id
"""
SEED_EVENTS = """
INSERT INTO events (stream_id, version, event_id, type, envelope)
SELECT 'loan-L' || g, 1, 'seed-' || g, 'loan.schedule.created',
       jsonb_build_object('specversion', '1.0', 'id', 'seed-' || g, 'source', 'servicing',
                          'type', 'loan.schedule.created', 'subject', 'L' || g, 'sequence', 1)
FROM generate_series(1, $1::int) AS g
"""
BARE = """
INSERT INTO bare_dayclose (loan_id, kind, amount)
SELECT loan_id, 'penalty_interest', round(sum(principal - principal_paid) * $3::numeric, 2)
FROM installments WHERE NOT settled AND due_date < $1::date GROUP BY loan_id
UNION ALL
SELECT loan_id, 'payment_due', principal - principal_paid + interest - interest_paid - interest_waived
FROM installments WHERE NOT settled AND due_date = $2::date
"""


async def seed(pool: Any, loans: int) -> float:
    """Bulk-insert the book; returns the seconds it took."""
    started = time.perf_counter()
    async with pool.acquire() as conn:
        for statement, args in ((SEED_LOANS, (loans,)), (SEED_INSTALLMENTS, (loans, DAY)), (SEED_OUTSTANDING, ()),
                                (SEED_EVENTS, (loans,))):
            await conn.execute(statement, *args)
        await store_business_date(conn, DAY - timedelta(days=1), only_forward=False)
        await conn.execute("CREATE TABLE bare_dayclose (loan_id TEXT, kind TEXT, amount NUMERIC(16,2))")
        await conn.execute("VACUUM ANALYZE")
    return time.perf_counter() - started


async def bare_sql(pool: Any, settings: ServicingSettings, runs: int = 3) -> tuple[list[float], int]:
    """Seconds of each of `runs` runs of the bare statement (autocommit, the table emptied between runs)."""
    seconds, rows = [], 0
    async with pool.acquire() as conn:
        for _ in range(runs):
            await conn.execute("TRUNCATE bare_dayclose")
            started = time.perf_counter()
            status = await conn.execute(BARE, DAY, DAY + timedelta(days=settings.reminder_days_before),
                                        settings.penalty_daily_rate)
            seconds.append(time.perf_counter() - started)
            rows = int(status.split()[-1])
    return seconds, rows


async def raw_write_floor(pool: Any) -> float:
    """Seconds to insert the day's event and outbox rows again into empty copies of the tables."""
    async with pool.acquire() as conn:
        await conn.execute("CREATE TABLE floor_events (LIKE events INCLUDING ALL);"
                           "CREATE TABLE floor_outbox (LIKE outbox INCLUDING ALL)")
        rows = await conn.fetch("SELECT stream_id, version, event_id, type, envelope::text AS env FROM events "
                                "WHERE stream_id <> 'business-date' AND event_id NOT LIKE 'seed-%' ORDER BY position")
        started = time.perf_counter()
        async with conn.transaction():
            positions = await conn.fetch(
                """INSERT INTO floor_events (stream_id, version, event_id, type, envelope)
                   SELECT u.s, u.v, u.id, u.t, u.env::jsonb
                   FROM unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::text[]) AS u(s, v, id, t, env)
                   RETURNING position""",
                [r["stream_id"] for r in rows], [r["version"] for r in rows], [r["event_id"] for r in rows],
                [r["type"] for r in rows], [r["env"] for r in rows])
            await conn.execute(
                """INSERT INTO floor_outbox (position, topic, key, payload)
                   SELECT u.p, 'floor', u.k, convert_to(u.b, 'UTF8')
                   FROM unnest($1::bigint[], $2::text[], $3::text[]) AS u(p, k, b)""",
                [r["position"] for r in positions], [r["stream_id"] for r in rows], [r["env"] for r in rows])
        return time.perf_counter() - started


async def server_write_floor(pool: Any) -> float:
    """Seconds to insert the day's event and outbox rows, already parsed and staged in the server, into empty copies
    of the tables (same indexes), and commit: the writes alone, with no reading, building or parsing."""
    async with pool.acquire() as conn:
        await conn.execute("CREATE TABLE floor2_events (LIKE events INCLUDING ALL);"
                           "CREATE TABLE floor2_outbox (LIKE outbox INCLUDING ALL);"
                           "CREATE TABLE floor2_rows AS SELECT e.position, e.stream_id, e.version, e.event_id, e.type, "
                           "e.envelope, o.key, o.payload FROM events e JOIN outbox o USING (position) "
                           "WHERE e.stream_id <> 'business-date' AND e.event_id NOT LIKE 'seed-%'")
        await conn.execute("VACUUM ANALYZE floor2_rows")
        started = time.perf_counter()
        async with conn.transaction():
            await conn.execute(
                """INSERT INTO floor2_events (position, stream_id, version, event_id, type, envelope)
                   SELECT position, stream_id, version, event_id, type, envelope FROM floor2_rows ORDER BY position;
                   INSERT INTO floor2_outbox (position, topic, key, payload)
                   SELECT position, 'floor', key, payload FROM floor2_rows ORDER BY position""")
        return time.perf_counter() - started


async def run(pg_url: str, kafka_bootstrap: str | None, size: str) -> dict[str, Any]:
    """Seed the book, time one bare statement and one day-close over it."""
    loans = pick(size, tiny=300, default=100_000, large=1_000_000)
    settings = ServicingSettings()
    async with fresh_database(pg_url, "dayclose", platform_tables=False) as dsn:
        await upgrade(MIGRATIONS, dsn)
        pool = await create_pool(dsn, max_size=2)
        try:
            seed_seconds = await seed(pool, loans)
            bare_runs, bare_rows = await bare_sql(pool, settings)
            bare_seconds = statistics.median(bare_runs)
            svc = Servicing(PostgresEventStore(f"{unique('dayclose')}.servicing"), settings, SystemClock())
            started = time.perf_counter()
            [closed] = await advance(pool, svc, DAY)
            seconds = time.perf_counter() - started
            async with pool.acquire() as conn:
                outbox = await conn.fetchval("SELECT count(*) FROM outbox")
            floor_seconds = await raw_write_floor(pool)
            server_floor_seconds = await server_write_floor(pool)
        finally:
            await pool.close()
    events = closed["events"]
    return {
        "scenario": "dayclose",
        "figures": {"seconds": round(seconds, 3), "events_per_second": rate(events, seconds),
                    "events_per_s": rate(events, seconds), "loans": loans,  # the harness table's rate column
                    "loans_with_events": closed["loans_processed"], "events": events, "outbox_rows": outbox,
                    "seed_seconds": round(seed_seconds, 3), "steps_seconds": closed["steps"]},
        "baseline": {"bare_sql_seconds": round(bare_seconds, 4), "bare_sql_runs": [round(b, 4) for b in bare_runs],
                     "bare_sql_rows": bare_rows, "raw_event_write_seconds": round(floor_seconds, 4),
                     "server_event_write_seconds": round(server_floor_seconds, 4)},
        "ratios": {"dayclose_vs_bare_sql": ratio(seconds, bare_seconds),
                   "dayclose_vs_raw_event_write": ratio(seconds, floor_seconds),
                   "dayclose_vs_server_event_write": ratio(seconds, server_floor_seconds),
                   # how far the writes alone already are from the bare statement (issue 8's 5x is measured on this)
                   "server_event_write_vs_bare_sql": ratio(server_floor_seconds, bare_seconds)},
        "targets": TARGETS if size == "default" else {},  # tiny: fixed costs dominate; large: no bound set
        "notes": "one business day, ~1/30 of loans missing (missed + penalty) and ~1/30 reminded; "
                 "baseline: one INSERT…SELECT of the penalty and reminder rows over the same installments",
    }


if __name__ == "__main__":
    sys.exit(run_alone(run, __doc__ or "dayclose"))
