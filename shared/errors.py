"""The error format of CONTRACT.md: {"error": {"code", "message", "details"}}."""

from __future__ import annotations

from typing import Any

import asyncpg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException


class ConcurrencyConflict(Exception):
    """An append lost the race: the stream is no longer at the expected version."""

    def __init__(self, stream_id: str, expected_version: int | None) -> None:
        super().__init__(f"stream {stream_id} is not at version {expected_version}")
        self.stream_id = stream_id
        self.expected_version = expected_version


class ApiError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, code: str | None = None, details: list[Any] | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.details = details or []


class BadRequest(ApiError):
    status, code = 400, "bad_request"


class Unauthorized(ApiError):
    status, code = 401, "unauthorized"


class Forbidden(ApiError):
    status, code = 403, "forbidden"


class NotFound(ApiError):
    status, code = 404, "not_found"


class Conflict(ApiError):
    status, code = 409, "conflict"


class Unprocessable(ApiError):
    status, code = 422, "validation_error"


def error_body(code: str, message: str, details: list[Any] | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details or []}}


def _json_safe(details: list[Any]) -> list[Any]:
    out = []
    for d in details:
        if isinstance(d, dict):
            d = {k: (v if isinstance(v, str | int | float | list | dict | None) else str(v))
                 for k, v in d.items() if k != "ctx" and k != "url"}
        out.append(d)
    return out


def install_error_handlers(app: FastAPI) -> None:
    """Map our errors, validation failures and lost races onto the contract's JSON."""

    @app.exception_handler(ApiError)
    async def _api_error(_: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse(error_body(exc.code, exc.message, exc.details), status_code=exc.status)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        details = [
            {"field": ".".join(str(p) for p in e.get("loc", ()) if p != "body"), "message": e.get("msg"),
             "type": e.get("type")}
            for e in exc.errors()
        ]
        return JSONResponse(error_body("validation_error", "invalid request", _json_safe(details)),
                            status_code=422)

    @app.exception_handler(ConcurrencyConflict)
    async def _conflict(_: Request, exc: ConcurrencyConflict) -> JSONResponse:
        return JSONResponse(
            error_body("concurrent_modification", "another change to this record won the race; reload and retry",
                       [{"stream_id": exc.stream_id}]),
            status_code=409,
        )

    async def _unstorable_text(_: Request, exc: Exception) -> JSONResponse:
        # PostgreSQL refuses some text (a NUL character, \u0000, in a request's strings): bad input,
        # and the transaction it failed in rolled back, so nothing changed.
        return JSONResponse(error_body("invalid_text", "text must not contain NUL characters (\\u0000)"),
                            status_code=422)

    for unstorable in (asyncpg.exceptions.UntranslatableCharacterError,
                       asyncpg.exceptions.CharacterNotInRepertoireError):
        app.add_exception_handler(unstorable, _unstorable_text)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        codes = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
                 405: "method_not_allowed", 409: "conflict", 422: "validation_error"}
        return JSONResponse(error_body(codes.get(exc.status_code, "error"), str(exc.detail)),
                            status_code=exc.status_code)
