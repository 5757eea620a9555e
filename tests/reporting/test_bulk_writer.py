"""The rebuild's bulk writer: COPY straight in, and when rows are already there, only the new ones."""

from __future__ import annotations

import asyncpg
import pytest

from services.reporting.adapters.writer import READ_MODEL_TABLES, create_staging
from services.reporting.bootstrap import MIGRATIONS
from services.reporting.service_layer.handlers import Positioned, prepare, write_prepared
from shared.migrate import upgrade
from tests.reporting.story import scripted_portfolio

pytestmark = pytest.mark.integration


async def _loaded(make_db, batches) -> tuple[list[int], dict[str, int]]:
    dsn = await make_db("reporting")
    await upgrade(MIGRATIONS, dsn)
    conn = await asyncpg.connect(dsn)
    try:
        await create_staging(conn)
        applied = []
        for batch in batches:
            async with conn.transaction():
                new, _ = await write_prepared(conn, prepare(
                    [Positioned(event, "t", 0, offset) for offset, event in enumerate(batch)]))
            applied.append(new)
        counts = {t: await conn.fetchval(f"SELECT count(*) FROM {t}") for t in READ_MODEL_TABLES}
    finally:
        await conn.close()
    return applied, counts


async def test_overlapping_batches_write_each_event_once(make_db):
    events = [e for _, e in scripted_portfolio().events]
    _, at_once = await _loaded(make_db, [events])
    applied, overlapping = await _loaded(make_db, [events[:60], events[40:], events[::7] + events[:5]])
    assert applied == [60, len(events) - 60, 0]
    assert overlapping == at_once
    assert at_once["rpt_events"] == len(events) and at_once["rpt_loans"] == 12


async def test_awkward_text_reaches_the_tables_as_it_was_written(make_db):
    # A collector types a tab, a line break, a backslash and a literal \N into a contact's outcome.
    events = [e for _, e in scripted_portfolio().events]
    contact = next(e for e in events if e.type == "collections.contact.logged")
    outcome = 'said\t"no"\\nothing\nmore \\N'
    awkward = contact.model_copy(update={"data": {**contact.data, "outcome": outcome}})
    for item in (awkward, awkward.model_dump(mode="json"), awkward.to_json_bytes()):  # model, dict, record
        dsn = await make_db("reporting")
        await upgrade(MIGRATIONS, dsn)
        conn = await asyncpg.connect(dsn)
        try:
            await create_staging(conn)
            async with conn.transaction():
                new, _ = await write_prepared(conn, prepare([Positioned(item, "t", 0, 0)]))
            assert new == 1
            assert await conn.fetchval("SELECT outcome FROM rpt_contacts WHERE event_id = $1", contact.id) == outcome
            data = await conn.fetchval("SELECT data::jsonb ->> 'outcome' FROM rpt_events WHERE event_id = $1",
                                       contact.id)
            assert data == outcome
        finally:
            await conn.close()
