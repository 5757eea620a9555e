"""Loads and saves application aggregates through the unit of work (one stream per application)."""

from __future__ import annotations

from datetime import date

from services.origination.adapters.data_keys import seal_data
from services.origination.domain.application import Application
from shared.contracts.registry import EventData, make_event, parse_data
from shared.datakeys import DataKey, KeyRing, key_ids_in, open_tree
from shared.logging import correlation_id
from shared.unit_of_work import UnitOfWork

SOURCE = "origination"


def stream_id(application_id: str) -> str:
    return f"application-{application_id}"


async def load(uow: UnitOfWork, application_id: str, ring: KeyRing) -> tuple[Application, int]:
    """The aggregate and its stream version (0: no such application); personal fields opened with the
    borrower's key ("erased" once it is destroyed; events written before data keys are plain)."""
    envelopes = await uow.load(stream_id(application_id))
    ids: set[str] = set()
    for e in envelopes:
        key_ids_in(e.data, ids)
    keys = await ring.keys(uow.conn, ids) if ids else {}
    app = Application.rebuild(application_id, (
        parse_data(e.model_copy(update={"data": open_tree(e.data, keys)}) if ids else e) for e in envelopes))
    return app, len(envelopes)


async def save(uow: UnitOfWork, app: Application, expected_version: int, events: list[EventData],
               business_date: date, key: DataKey | None = None) -> int:
    """Append new events at `expected_version` and apply them; returns the new version.

    Application events are keyed by application id; `loan.disbursed` is subject and key = loan id.
    With the borrower's `key`, the personal fields are sealed as they are written (issue 16); the
    aggregate applies the plain events.
    """
    cid = correlation_id.get()
    version = expected_version
    for stream_key, datas in _by_key(app.id, events):
        envelopes = []
        for d in datas:
            envelope = make_event(SOURCE, d, subject=stream_key, businessdate=business_date, correlationid=cid)
            if key is not None:
                envelope = envelope.model_copy(update={"data": seal_data(envelope.type, envelope.data, key)})
            cid = envelope.correlationid  # one command's events share a correlation id
            envelopes.append(envelope)
        await uow.append(stream_id(app.id), envelopes, version, key=stream_key)
        version += len(envelopes)
    for e in events:
        app.apply(e)
    return version


def _by_key(application_id: str, events: list[EventData]) -> list[tuple[str, list[EventData]]]:
    groups: list[tuple[str, list[EventData]]] = []
    for e in events:
        key = getattr(e, "loan_id", None) or application_id
        if groups and groups[-1][0] == key:
            groups[-1][1].append(e)
        else:
            groups.append((key, [e]))
    return groups
