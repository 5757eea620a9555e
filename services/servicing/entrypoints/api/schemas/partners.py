"""Bodies of /v1/partners: registration and rotation (with the secret, shown only then), the list."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class PartnerCreate(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True)  # a blank name is refused, not registered as ""

    name: str = Field(min_length=1, max_length=200)
    channel: str | None = Field(default=None, min_length=1, max_length=100,
                                description="pays only loans of this channel's products "
                                            "(LOANFLOW_SERVICING_PARTNER_CHANNELS); none: any loan")


class PartnerRotate(BaseModel):
    grace_hours: int | None = Field(default=None, ge=0, le=720)


class PartnerCreated(BaseModel):
    partner_id: str
    name: str
    channel: str | None
    secret: str = Field(description="the HMAC secret; shown only here and on rotation")


class PartnerRotated(BaseModel):
    partner_id: str
    secret: str
    previous_secret_valid_until: datetime | None = Field(description="the old secret verifies until then")


class PartnerPublic(BaseModel):
    partner_id: str
    name: str
    channel: str | None
    active: bool
    created_at: datetime
    rotated_at: datetime | None


class PartnerPage(BaseModel):
    items: list[PartnerPublic]
    next_cursor: str | None
