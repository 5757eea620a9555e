"""CloudEvents 1.0 structured-mode envelope, exactly as CONTRACT.md names it."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


def new_event_id() -> str:
    """A new unique event id (UUID4 text)."""
    return str(uuid.uuid4())


class CloudEvent(BaseModel):
    """One event as stored and as published: CloudEvents 1.0 JSON with our extensions."""

    model_config = ConfigDict(extra="allow", frozen=True)

    specversion: Literal["1.0"] = "1.0"
    id: str = Field(default_factory=new_event_id)
    source: str
    type: str
    subject: str
    time: datetime = Field(default_factory=lambda: datetime.now(UTC))
    datacontenttype: Literal["application/json"] = "application/json"
    data: dict[str, Any]
    # extensions
    sequence: int = 0
    correlationid: str
    causationid: str | None = None
    businessdate: date
    dataschemaversion: int = 1

    def to_json_bytes(self) -> bytes:
        """Serialise as structured-mode CloudEvents JSON."""
        return self.model_dump_json(exclude_none=True).encode()

    @classmethod
    def from_json_bytes(cls, raw: bytes) -> CloudEvent:
        """Parse structured-mode CloudEvents JSON."""
        return cls.model_validate_json(raw)

    def caused(
        self, *, source: str, type: str, subject: str, data: dict[str, Any], businessdate: date | None = None
    ) -> CloudEvent:
        """A new event caused by this one: same correlation id, causation = this id."""
        return CloudEvent(
            source=source,
            type=type,
            subject=subject,
            data=data,
            correlationid=self.correlationid,
            causationid=self.id,
            businessdate=businessdate or self.businessdate,
        )
