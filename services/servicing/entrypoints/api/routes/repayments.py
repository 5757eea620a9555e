"""POST /v1/repayments: HMAC-signed partner repayments with idempotency keys."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from services.servicing.entrypoints.api.deps import PartnerAuth, ServicingDep
from services.servicing.entrypoints.api.schemas.repayments import RepaymentPublic
from services.servicing.service_layer.repayments import RepaymentCreate, record_repayment
from shared import idempotency
from shared.auth import PartnerRequest
from shared.errors import Unprocessable
from shared.service import KernelDep

router = APIRouter(tags=["repayments"])


SIGNED_BODY = {"requestBody": {"required": True, "content": {
    "application/json": {"schema": RepaymentCreate.model_json_schema()}}}}


@router.post("/repayments", status_code=201, openapi_extra=SIGNED_BODY, response_model=RepaymentPublic,
             responses={201: {"description": "payment recorded (a retry with the same Idempotency-Key and body "
                                             "replays it with `Idempotent-Replayed: true`)"}})
async def post_repayment(kernel: KernelDep, svc: ServicingDep,
                         partner: Annotated[PartnerRequest, PartnerAuth]) -> JSONResponse:
    """Record a partner's repayment; the same Idempotency-Key and body replays the first answer."""
    try:
        req = RepaymentCreate.model_validate_json(partner.body)
    except ValidationError as exc:
        details = [{"field": ".".join(str(p) for p in e["loc"]), "message": e["msg"], "type": e["type"]}
                   for e in exc.errors()]
        raise Unprocessable("invalid repayment", details=details)
    scope = f"repayments:{partner.partner_id}"
    body_hash = idempotency.request_hash(partner.body)
    async with kernel.db.acquire() as conn, conn.transaction():
        replay = await idempotency.begin(conn, scope, partner.idempotency_key, body_hash)
        if replay is not None:
            return JSONResponse(replay.body, status_code=replay.status_code, headers={"Idempotent-Replayed": "true"})
        body = RepaymentPublic(**await record_repayment(conn, svc, partner.partner_id, req)).model_dump(mode="json")
        await idempotency.finish(conn, scope, partner.idempotency_key, 201, body)
    return JSONResponse(body, status_code=201)
