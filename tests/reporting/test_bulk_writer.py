"""The rebuild's bulk writer: COPY straight in, and when rows are already there, only the new ones."""

from __future__ import annotations

import asyncpg
import pytest

from services.reporting.adapters.queries import activities
from services.reporting.adapters.writer import (
    ANALYZED_COLUMNS,
    COLUMNS,
    COMPLAINT_EVENTS,
    READ_MODEL_TABLES,
    create_staging,
)
from services.reporting.bootstrap import MIGRATIONS
from services.reporting.service_layer.handlers import Positioned, prepare, write_prepared
from shared.contracts import collections as c
from shared.contracts import make_event
from shared.migrate import upgrade
from tests.reporting.story import D, scripted_portfolio

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


async def test_disputes_and_complaint_events_are_found_by_the_activities_query_through_its_partial_index(make_db):
    # 12 April: L09's collector opens a dispute and an (unknown, future) complaint event arrives;
    # a contact the same day is neither. On the 13th a case is time-barred.
    st = scripted_portfolio()
    st.case(c.DisputeOpened(case_id="C09", loan_id="L09", dispute_id="D1", reason="fees", opened_by="li"), "L09",
            D(2026, 4, 12))
    complaint = make_event("collections", c.DisputeOpened(case_id="C09", loan_id="L09", dispute_id="D2",
                                                          reason="rude call", opened_by="li"),
                           subject="L09", businessdate=D(2026, 4, 12))
    complaint = complaint.model_copy(update={"type": "collections.complaint.logged"})
    barred = make_event("collections", c.DisputeOpened(case_id="C10", loan_id="L10", dispute_id="D3",
                                                       reason="-", opened_by="system"),
                        subject="L10", businessdate=D(2026, 4, 13))
    barred = barred.model_copy(update={"type": "collections.statute.expired"})
    events = [e for _, e in st.events] + [complaint, barred]
    dsn = await make_db("reporting")
    await upgrade(MIGRATIONS, dsn)
    conn = await asyncpg.connect(dsn)
    try:
        await create_staging(conn)
        async with conn.transaction():
            await write_prepared(conn, prepare([Positioned(e, "t", 0, n) for n, e in enumerate(events)]))
        await conn.execute("SET enable_seqscan = off")  # so the plan shows whether the partial index can serve
        plan = "\n".join(r[0] for r in await conn.fetch(
            f"EXPLAIN SELECT loan_id FROM rpt_events WHERE {COMPLAINT_EVENTS} AND businessdate BETWEEN $1 AND $2",
            D(2026, 4, 1), D(2026, 4, 30)))
        await conn.execute("RESET enable_seqscan")
        found = await activities(conn, D(2026, 4, 12), D(2026, 4, 13))
    finally:
        await conn.close()
    assert "rpt_events_complaints" in plan
    assert sorted((a.loan_id, a.kind, a.collector) for a in found if a.kind in ("complaint", "time_barred")) == [
        ("L09", "complaint", "li"), ("L09", "complaint", "li"), ("L10", "time_barred", "system")]


def test_a_rebuild_analyzes_every_read_model_on_columns_it_has():
    assert set(ANALYZED_COLUMNS) == set(COLUMNS)
    for table, columns in ANALYZED_COLUMNS.items():
        assert {name.strip() for name in columns.split(",")} <= {name for name, _ in COLUMNS[table]}, table
