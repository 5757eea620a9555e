"""Letters: send (reminder, 催收通知书, pre-legal notice), list, the PDF, returned by the post, signed for."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Request, Response
from fastapi import Body as BodyParam
from pydantic import Field

from services.collections.domain import commands as c
from services.collections.entrypoints.api.deps import Bus, CtxDep, Reader, Worker, reading
from services.collections.entrypoints.api.public import CASE, LetterPublic, Public
from services.collections.entrypoints.api.schemas import Body
from services.collections.service_layer.letters import letter_pdf, letters_of
from shared.contracts.collections import LetterTemplate
from shared.service import IdempotencyDep

router = APIRouter(tags=["letters"])
PDF = {200: {"content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
             "description": "The letter as a PDF (Chinese text)"}}


class LetterCreate(Body):
    template: LetterTemplate
    registered: bool = True
    tracking_number: str | None = Field(None, description="the post office's number (S10, e.g. XA123456785CN); "
                                                          "derived from the letter id when absent")
    address_point_id: str | None = None


class LetterReturn(Body):
    reason: str | None = Field(None, max_length=2000)


class LetterDelivery(Body):
    on: date


class LetterSentPublic(Public):
    letter_id: str
    tracking_number: str | None


class LettersPublic(Public):
    items: list[LetterPublic]


@router.post("/cases/{case_id}/letters", status_code=201, response_model=LetterSentPublic)
async def send_letter(bus: Bus, who: Worker, case_id: str, body: LetterCreate, key: IdempotencyDep) -> dict[str, Any]:
    """Send a letter; a registered one (挂号信) carries a tracking number. Counts as a letter contact."""
    return await bus.handle(c.SendLetter(case_id, who.sub, who.roles, template=body.template,
                                         registered=body.registered, tracking_number=body.tracking_number,
                                         address_point_id=body.address_point_id, idempotency=key))


@router.get("/cases/{case_id}/letters", response_model=LettersPublic)
async def list_letters(request: Request, ctx: CtxDep, _: Reader, case_id: str) -> dict[str, Any]:
    """The case's letters, oldest first, with what the post said of each (addresses and reasons sealed with
    the borrower's key opened: "erased" once it is destroyed)."""
    async with reading(request) as conn:
        return {"items": await ctx.open(conn, await letters_of(conn, case_id))}


@router.get("/cases/{case_id}/letters/{letter_id}.pdf", response_class=Response, responses=PDF)
async def letter_as_pdf(request: Request, ctx: CtxDep, _: Reader, case_id: str, letter_id: str) -> Response:
    """The letter as sent, rendered from its recorded event (the same bytes every time)."""
    async with reading(request) as conn:
        pdf = await letter_pdf(ctx, conn, case_id, letter_id)
    return Response(pdf, media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{letter_id}.pdf"'})


@router.post("/cases/{case_id}/letters/{letter_id}/returned", **CASE)
async def letter_returned(bus: Bus, who: Worker, case_id: str, letter_id: str,
                          body: Annotated[LetterReturn | None, BodyParam()] = None) -> dict[str, Any]:
    """The post returned the letter (退信): the address it went to is not the borrower's. Body optional."""
    reason = body.reason if body else None
    return await bus.handle(c.ReturnLetter(case_id, who.sub, who.roles, letter_id=letter_id, reason=reason))


@router.post("/cases/{case_id}/letters/{letter_id}/delivered", **CASE)
async def letter_delivered(bus: Bus, who: Worker, case_id: str, letter_id: str, body: LetterDelivery) -> dict[str, Any]:
    """A registered letter signed for on `on`; a demand or pre-legal notice restarts the statute clock."""
    return await bus.handle(c.RecordLetterDelivery(case_id, who.sub, who.roles, letter_id=letter_id, on=body.on))
