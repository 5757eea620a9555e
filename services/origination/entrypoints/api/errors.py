"""Maps domain refusals onto the contract's error JSON and status codes."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from services.origination.domain.errors import (
    DisbursementRefused,
    DomainError,
    InvalidApplication,
    NotPermitted,
    WrongState,
)
from shared.errors import error_body

STATUS = {InvalidApplication: 422, NotPermitted: 403, WrongState: 409, DisbursementRefused: 409}


def install_domain_error_handler(app: FastAPI) -> None:
    """422 invalid input, 403 not permitted (segregation of duties), 409 wrong state or re-check refusal."""

    @app.exception_handler(DomainError)
    async def _domain(_: Request, exc: DomainError) -> JSONResponse:
        status = STATUS.get(type(exc), 400)
        if exc.code == "not_found":
            status = 404
        return JSONResponse(error_body(exc.code, exc.message, exc.details), status_code=status)
