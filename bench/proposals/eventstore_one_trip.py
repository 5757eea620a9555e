"""Proposal for shared/eventstore.py: serialise each event once, write events + outbox + NOTIFY in one statement.

Found with the `append` scenario (pyinstrument): per command the current store makes three
statements (events INSERT, outbox INSERT, pg_notify), five round trips with BEGIN/COMMIT, and
serialises each envelope two or three times in Python (model_dump for the JSONB column, then
json.dumps in the codec, then model_dump_json for the outbox bytes). On a 2-core machine the
round trips and the CPU both cost. This store dumps each envelope once with pydantic's
model_dump_json, casts the text to jsonb in SQL, reuses the same bytes for the outbox when
nothing is masked, and does the three writes in one CTE. Same rows, same errors.

`python -m bench.proposals.eventstore_one_trip [--rounds 3]` compares it with the current store
and raw INSERTs (PostgreSQL from LOANFLOW_DATABASE_URL / LOANFLOW_TEST_DATABASE_URL).
"""

from __future__ import annotations

import argparse
import asyncio
import os
from collections.abc import Sequence

import asyncpg

from bench.scenarios._append_impls import OurStore, RawInsert
from bench.scenarios.append import measure_level
from shared.contracts import CloudEvent
from shared.contracts.registry import public_data
from shared.errors import ConcurrencyConflict
from shared.eventstore import NOTIFY_CHANNEL, PostgresEventStore

APPEND = """WITH ev AS (
    INSERT INTO events (stream_id, version, event_id, type, envelope)
    SELECT $1, u.v, u.id, u.t, u.env::jsonb
    FROM unnest($2::int[], $3::text[], $4::text[], $5::text[]) AS u(v, id, t, env)
    RETURNING position, version
), ob AS (
    INSERT INTO outbox (position, topic, key, payload)
    SELECT ev.position, $6, u.k, u.b FROM ev JOIN unnest($2::int[], $7::text[], $8::bytea[]) AS u(v, k, b)
        ON u.v = ev.version
)
SELECT ev.position, pg_notify($9, '') FROM ev ORDER BY ev.version"""

APPEND_UNPUBLISHED = """INSERT INTO events (stream_id, version, event_id, type, envelope)
    SELECT $1, u.v, u.id, u.t, u.env::jsonb
    FROM unnest($2::int[], $3::text[], $4::text[], $5::text[]) AS u(v, id, t, env)
    RETURNING position"""


class OneTripEventStore(PostgresEventStore):
    """PostgresEventStore with one serialisation and one statement per append."""

    async def append(self, conn: asyncpg.Connection, stream_id: str, events: Sequence[CloudEvent],
                     expected_version: int | None, *, publish: bool = True, key: str | None = None) -> list[CloudEvent]:
        if not events:
            return []
        current = await self.version(conn, stream_id) if expected_version is None else expected_version
        stamped = [e.model_copy(update={"sequence": current + i + 1}) for i, e in enumerate(events)]
        stored = [e.to_json_bytes() for e in stamped]
        columns = ([e.sequence for e in stamped], [e.id for e in stamped], [e.type for e in stamped],
                   [b.decode() for b in stored])
        try:
            if publish:
                await conn.fetch(APPEND, stream_id, *columns, self.topic, [key or e.subject for e in stamped],
                                 [_published(e, raw) for e, raw in zip(stamped, stored, strict=True)], NOTIFY_CHANNEL)
            else:
                await conn.fetch(APPEND_UNPUBLISHED, stream_id, *columns)
        except asyncpg.UniqueViolationError as exc:
            if exc.constraint_name == "events_event_id":
                raise
            raise ConcurrencyConflict(stream_id, expected_version) from exc
        return stamped


def _published(event: CloudEvent, stored: bytes) -> bytes:
    """The outbox bytes: the stored bytes themselves unless a field is masked on publish."""
    masked = public_data(event.type, event.data)
    return stored if masked is event.data else event.model_copy(update={"data": masked}).to_json_bytes()


class Proposed(OurStore):
    label = "append_proposed"

    async def open(self, dsn: str, connections: int) -> None:
        await super().open(dsn, connections)
        self.store = OneTripEventStore("bench.servicing")


async def compare(pg_url: str, rounds: int) -> None:
    """Current store, proposal and raw INSERTs at each level, alternating rounds."""
    for streams, per_stream, batch in ((1, 800, 1), (8, 200, 1), (64, 30, 1), (1, 40, 100), (8, 10, 100)):
        level = await measure_level(pg_url, [RawInsert(), OurStore(), Proposed()], streams, per_stream, batch, rounds)
        raw = level["append_raw"]["events_per_s"]
        cells = "  ".join(f"{label.removeprefix('append_')} {fig['events_per_s']:>9,.0f}/s "
                          f"({fig['events_per_s'] / raw:.2f})" for label, fig in level.items())
        print(f"{streams:>2} streams x {batch:>3}-event commands: {cells}", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.proposals.eventstore_one_trip")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    url = os.environ.get("LOANFLOW_DATABASE_URL") or os.environ.get("LOANFLOW_TEST_DATABASE_URL")
    if not url:
        print("set LOANFLOW_DATABASE_URL (a PostgreSQL server URL)")
        return 2
    asyncio.run(compare(url, args.rounds))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
