"""The projection consumer: all three topics into the read models, position saved with the rows."""

from __future__ import annotations

from services.reporting.config import ReportingSettings
from services.reporting.service_layer.handlers import handle_event
from shared.service import ConsumerSpec

SOURCES = ("origination", "servicing", "collections")


def projection_consumer(settings: ReportingSettings) -> ConsumerSpec:
    """One consumer group over every publishing service's topic."""
    return ConsumerSpec(name=settings.consumer_name, sources=list(SOURCES), handler=handle_event)
