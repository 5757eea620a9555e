"""Event contracts: the CloudEvents envelope, versioned data models, upcasters, JSON Schemas."""

from shared.contracts.envelope import CloudEvent, new_event_id
from shared.contracts.registry import (
    EventData,
    UnknownEventType,
    all_event_types,
    event,
    latest_version,
    make_event,
    model_for,
    parse_data,
    upcaster,
)

# Importing the publishing services' modules registers every event type.
from shared.contracts import collections, origination, servicing  # noqa: F401  isort:skip
from shared.contracts import arrangements  # noqa: F401  isort:skip

__all__ = [
    "CloudEvent",
    "EventData",
    "UnknownEventType",
    "all_event_types",
    "event",
    "latest_version",
    "make_event",
    "model_for",
    "new_event_id",
    "parse_data",
    "upcaster",
]
