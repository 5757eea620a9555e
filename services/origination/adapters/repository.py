"""Loads and saves application aggregates through the unit of work (one stream per application)."""

from __future__ import annotations

from datetime import date

from services.origination.domain.application import Application
from shared.contracts.registry import EventData, make_event, parse_data
from shared.logging import correlation_id
from shared.unit_of_work import UnitOfWork

SOURCE = "origination"


def stream_id(application_id: str) -> str:
    return f"application-{application_id}"


async def load(uow: UnitOfWork, application_id: str) -> tuple[Application, int]:
    """The aggregate and its stream version (0: no such application)."""
    envelopes = await uow.load(stream_id(application_id))
    app = Application.rebuild(application_id, (parse_data(e) for e in envelopes))
    return app, len(envelopes)


async def save(uow: UnitOfWork, app: Application, expected_version: int, events: list[EventData],
               business_date: date) -> int:
    """Append new events at `expected_version` and apply them; returns the new version.

    Application events are keyed by application id; `loan.disbursed` is subject and key = loan id.
    """
    cid = correlation_id.get()
    version = expected_version
    for key, datas in _by_key(app.id, events):
        envelopes = []
        for d in datas:
            envelope = make_event(SOURCE, d, subject=key, businessdate=business_date, correlationid=cid)
            cid = envelope.correlationid  # one command's events share a correlation id
            envelopes.append(envelope)
        await uow.append(stream_id(app.id), envelopes, version, key=key)
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
