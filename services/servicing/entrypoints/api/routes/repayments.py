"""POST /v1/repayments: HMAC-signed partner repayments with idempotency keys."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from pydantic import ValidationError

from services.servicing.domain.commands import Answer, RecordRepayment
from services.servicing.domain.errors import InvalidRepayment
from services.servicing.entrypoints.api.deps import Bus, PartnerAuth
from services.servicing.entrypoints.api.schemas.repayments import RepaymentCreate, RepaymentPublic
from shared.auth import PartnerRequest
from shared.errors import ErrorPublic
from shared.idempotency import IdempotencyKey, request_hash
from shared.ratelimit import TokenBuckets

router = APIRouter(tags=["repayments"])


SIGNED_BODY = {"requestBody": {"required": True, "content": {
    "application/json": {"schema": RepaymentCreate.model_json_schema()}}}}


@router.post("/repayments", status_code=201, openapi_extra=SIGNED_BODY, response_model=RepaymentPublic,
             responses={201: {"description": "payment recorded (a retry with the same Idempotency-Key and body "
                                             "replays it with `Idempotent-Replayed: true`)"},
                        429: {"model": ErrorPublic, "description": "the partner's rate limit (`Retry-After` seconds)"}})
async def post_repayment(bus: Bus, partner: Annotated[PartnerRequest, PartnerAuth], request: Request) -> Answer:
    """Record a partner's repayment; the same Idempotency-Key and body replays the first answer.

    Each partner has a token bucket (`PARTNER_RATE_PER_SECOND`, `PARTNER_BURST`): past it, 429
    `rate_limited` with `Retry-After`, before anything is read, recorded or replayed."""
    limits: TokenBuckets = request.app.state.partner_limits
    limits.check(partner.partner_id, f"partner {partner.partner_id}")
    try:
        req = RepaymentCreate.model_validate_json(partner.body)
    except ValidationError as exc:
        details = [{"field": ".".join(str(p) for p in e["loc"]), "message": e["msg"], "type": e["type"]}
                   for e in exc.errors()]
        raise InvalidRepayment("invalid repayment", details=details)
    key = IdempotencyKey(partner.idempotency_key, request_hash(partner.body))
    return await bus.handle(RecordRepayment(partner.partner_id, req.loan_id, req.amount, req.paid_at,
                                            req.external_ref, key))
