"""Bodies of /v1/credit-bureau: the submission queue's state, one record's submission."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field


class BureauStatusPublic(BaseModel):
    enabled: bool = Field(description="LOANFLOW_SERVICING_CREDIT_BUREAU_DIR is set")
    destination_problem: str | None = Field(description="why the directory cannot be written now (null: it can)")
    pending: int = Field(description="records recorded and not yet submitted")
    oldest_pending_age_seconds: float = Field(description="how long the oldest pending record has waited (0: none)")
    not_submittable: int = Field(description="records that can never be submitted (the borrower erased)")
    last_error: str | None = Field(description="the error kind of the last failed attempt of a pending record")
    last_error_at: datetime | None
    last_sent_at: datetime | None


class SubmissionPublic(BaseModel):
    record_id: str
    loan_id: str
    event_type: str
    status: Literal["pending", "sent", "not_submittable"]
    reason: str | None = Field(description="not_submittable: why (`erased`)")
    attempts: int
    last_error: str | None
    next_attempt_at: datetime
    created_at: datetime
    done_at: datetime | None
