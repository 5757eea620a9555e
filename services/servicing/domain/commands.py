"""What people and partners ask servicing to do; `service_layer/command_handlers.py` carries each out.

(Events from the other services — a disbursement, a broken promise, a write-off decision — arrive
through the inbox and are handled by `service_layer/handlers.py`.)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from shared.idempotency import IdempotencyKey
from shared.messagebus import Command

Answer = dict[str, Any]  # the JSON the API answers (replayed as is for an Idempotency-Key)


@dataclass(frozen=True)
class RecordRepayment(Command[Answer]):
    """A partner's repayment on a loan; answers the payment, its allocation and the loan after it."""

    partner_id: str
    loan_id: str
    amount: Decimal
    paid_at: datetime
    external_ref: str
    idempotency: IdempotencyKey | None = None


@dataclass(frozen=True)
class AddPartner(Command[Answer]):
    """Register a partner (bound to a channel, or to none); answers its id and secret (shown only then)."""

    name: str
    channel: str | None = None


@dataclass(frozen=True)
class RotatePartnerSecret(Command[Answer | None]):
    """A new secret for a partner, the old one valid `grace_hours` more; None when the partner is unknown."""

    partner_id: str
    grace_hours: int


@dataclass(frozen=True)
class AdvanceBusinessDate(Command["Advanced"]):
    """Close every day after the business date up to `to`, as a job; answers when it ended, or the job."""

    to: date
    requested_by: str


@dataclass(frozen=True)
class Advanced:
    """What an advance answers: the days closed (it ended within the wait) or the running job's id."""

    business_date: date
    closed: list[dict[str, Any]] | None
    job_id: str | None
