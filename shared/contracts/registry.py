"""Versioned event data models and upcasters.

Each event type has one current pydantic model (``class_version``). Older payloads are
upcast step by step (``v1 -> v2 -> ...``) by registered functions before validation, so
consumers always see the current shape and tolerate unknown fields.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict

from shared.contracts.envelope import CloudEvent


class UnknownEventType(KeyError):
    """An event type no contract module registered."""


class EventData(BaseModel):
    """Base of every event's `data`: tolerant of unknown fields, immutable."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    event_type: ClassVar[str]
    class_version: ClassVar[int] = 1
    # Fields replaced by a masked form when the event leaves the service (outbox payload).
    masked_on_publish: ClassVar[dict[str, Callable[[Any], Any]]] = {}

    def to_data(self) -> dict[str, Any]:
        """JSON-ready dict of this payload."""
        return self.model_dump(mode="json", exclude_none=True)


_MODELS: dict[str, type[EventData]] = {}
_UPCASTERS: dict[tuple[str, int], Callable[[dict[str, Any]], dict[str, Any]]] = {}

E = TypeVar("E", bound=type[EventData])


def event(event_type: str, version: int = 1) -> Callable[[E], E]:
    """Class decorator registering a data model as the current version of `event_type`."""

    def register(cls: E) -> E:
        if event_type in _MODELS:
            raise ValueError(f"event type {event_type} registered twice")
        cls.event_type = event_type
        cls.class_version = version
        _MODELS[event_type] = cls
        return cls

    return register


def upcaster(event_type: str, from_version: int) -> Callable[[Callable[[dict[str, Any]], dict[str, Any]]], Any]:
    """Register a function turning version `from_version` data into `from_version + 1`."""

    def register(fn: Callable[[dict[str, Any]], dict[str, Any]]) -> Callable[[dict[str, Any]], dict[str, Any]]:
        _UPCASTERS[(event_type, from_version)] = fn
        return fn

    return register


def model_for(event_type: str) -> type[EventData]:
    """The current model of an event type."""
    try:
        return _MODELS[event_type]
    except KeyError:
        raise UnknownEventType(event_type)


def latest_version(event_type: str) -> int:
    """The current schema version of an event type."""
    return model_for(event_type).class_version


def all_event_types() -> dict[str, type[EventData]]:
    """Every registered event type and its current model."""
    return dict(_MODELS)


def upcast(event_type: str, version: int, data: dict[str, Any]) -> dict[str, Any]:
    """Bring `data` from `version` up to the current version of its type."""
    current = latest_version(event_type)
    while version < current:
        step = _UPCASTERS.get((event_type, version))
        if step is None:
            raise ValueError(f"no upcaster for {event_type} v{version}")
        data = step(dict(data))
        version += 1
    return data


def parse_data(event: CloudEvent) -> Any:
    """Validate an envelope's data as the current model of its type, upcasting old versions."""
    model = model_for(event.type)
    return model.model_validate(upcast(event.type, event.dataschemaversion, event.data))


def masked_on_publish_types() -> set[str]:
    """Event types whose published data differs from the stored data (see `public_data`)."""
    return {name for name, model in _MODELS.items() if model.masked_on_publish}


def public_data(event_type: str, data: dict[str, Any]) -> dict[str, Any]:
    """The data as published on the topic: fields listed in `masked_on_publish` masked."""
    model = _MODELS.get(event_type)
    if model is None or not model.masked_on_publish:
        return data
    out = dict(data)
    for field, mask in model.masked_on_publish.items():
        if out.get(field) is not None:
            out[field] = mask(out[field])
    return out


def make_event(
    source: str,
    data: EventData,
    *,
    subject: str,
    businessdate: Any,
    correlationid: str | None = None,
    causation: CloudEvent | None = None,
) -> CloudEvent:
    """Wrap a data model in an envelope.

    Correlation id: the one given, else the cause's, else the current request's
    (X-Correlation-Id, set by the service middleware), else the new event's own id.
    """
    from shared.contracts.envelope import new_event_id
    from shared.logging import correlation_id as current_correlation

    event_id = new_event_id()
    correlationid = correlationid or (causation.correlationid if causation else None) or current_correlation.get()
    return CloudEvent(
        id=event_id,
        source=source,
        type=data.event_type,
        subject=subject,
        data=data.to_data(),
        correlationid=correlationid or event_id,
        causationid=causation.id if causation else None,
        businessdate=businessdate,
        dataschemaversion=data.class_version,
    )
