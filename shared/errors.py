"""The error format of CONTRACT.md, {"error": {"code", "message", "details"}}, and the one mapping onto it.

`DomainError` is the base of every refusal a service answers: its `status` and `code` say how.
Each service's domain refusals subclass one of the kinds below (`NotFound`, `Conflict`,
`Forbidden`, `Unprocessable`, ...) and `install_error_handlers` maps them all, once, for every
app. Importing this module loads no web framework (domain code may subclass these).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

if TYPE_CHECKING:
    from fastapi import FastAPI


class ConcurrencyConflict(Exception):
    """An append lost the race: the stream is no longer at the expected version (409)."""

    def __init__(self, stream_id: str, expected_version: int | None) -> None:
        super().__init__(f"stream {stream_id} is not at version {expected_version}")
        self.stream_id = stream_id
        self.expected_version = expected_version


class DomainError(Exception):
    """A request refused: `status` (HTTP), `code` (the contract's error code), message, details."""

    status = 400
    code = "refused"

    def __init__(self, message: str, *, code: str | None = None, details: list[Any] | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.details = details or []


class BadRequest(DomainError):
    status, code = 400, "bad_request"


class Unauthorized(DomainError):
    status, code = 401, "unauthorized"


class Forbidden(DomainError):
    """The caller may not do this (wrong role, segregation of duties)."""

    status, code = 403, "forbidden"


class NotFound(DomainError):
    status, code = 404, "not_found"


class Conflict(DomainError):
    """The record is not in a state that allows the command (or another change won the race)."""

    status, code = 409, "conflict"


class Unprocessable(DomainError):
    """The input is well-formed but breaks a rule."""

    status, code = 422, "validation_error"


class TooManyRequests(DomainError):
    """Too many requests from one caller: 429 with `Retry-After` (whole seconds)."""

    status, code = 429, "rate_limited"

    def __init__(self, message: str, *, retry_after: int, code: str | None = None,
                 details: list[Any] | None = None) -> None:
        super().__init__(message, code=code, details=details)
        self.retry_after = retry_after


class Replay(Exception):  # not an error: raised to answer with the stored response
    """A retried request with the same Idempotency-Key: answer what was answered the first time."""

    def __init__(self, status_code: int, body: Any) -> None:
        super().__init__(f"replay of a {status_code} answer")
        self.status_code = status_code
        self.body = body


class ErrorDetail(BaseModel):
    code: str
    message: str
    details: list[Any]


class ErrorPublic(BaseModel):
    """Every 4xx answer: `{"error": {"code", "message", "details"}}`."""

    error: ErrorDetail


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorPublic, "description": description} for status, description in (
        (400, "bad request (e.g. `bad_cursor`)"), (401, "missing or invalid credentials"),
        (403, "the caller's role may not do this"), (404, "no such record"),
        (409, "the record's state refuses the command, or another change won the race"),
        (422, "invalid input: `details` names the fields"))
}  # documented on every /v1 route (422 replaces FastAPI's own validation schema, which we do not answer)


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
    """Map refusals, replays, validation failures and lost races onto the contract's JSON."""
    import asyncpg
    from fastapi import Request
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import JSONResponse
    from starlette.exceptions import HTTPException as StarletteHTTPException

    from shared.db import database_lost

    @app.exception_handler(DomainError)
    async def _refused(_: Request, exc: DomainError) -> JSONResponse:
        headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, TooManyRequests) else None
        return JSONResponse(error_body(exc.code, exc.message, exc.details), status_code=exc.status, headers=headers)

    @app.exception_handler(Replay)
    async def _replay(_: Request, exc: Replay) -> JSONResponse:
        return JSONResponse(exc.body, status_code=exc.status_code, headers={"Idempotent-Replayed": "true"})

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        details = [
            {"field": ".".join(str(p) for p in e.get("loc", ()) if p != "body"), "message": e.get("msg"),
             "type": e.get("type")}
            for e in exc.errors()
        ]
        return JSONResponse(error_body("validation_error", "invalid request", _json_safe(details)),
                            status_code=422)

    def lost_race(stream_id: str | None) -> JSONResponse:
        return JSONResponse(
            error_body("concurrent_modification", "another change to this record won the race; reload and retry",
                       [{"stream_id": stream_id}] if stream_id else []),
            status_code=409,
        )

    @app.exception_handler(ConcurrencyConflict)
    async def _conflict(_: Request, exc: ConcurrencyConflict) -> JSONResponse:
        return lost_race(exc.stream_id)

    async def _deadlock(_: Request, exc: Exception) -> JSONResponse:
        # PostgreSQL chose this transaction to roll back (deadlock, serialization failure): same answer.
        return lost_race(None)

    for race in (asyncpg.exceptions.DeadlockDetectedError, asyncpg.exceptions.SerializationError):
        app.add_exception_handler(race, _deadlock)

    async def _unstorable_text(_: Request, exc: Exception) -> JSONResponse:
        # PostgreSQL refuses some text (a NUL character, \u0000, in a request's strings): bad input,
        # and the transaction it failed in rolled back, so nothing changed.
        return JSONResponse(error_body("invalid_text", "text must not contain NUL characters (\\u0000)"),
                            status_code=422)

    for unstorable in (asyncpg.exceptions.UntranslatableCharacterError,
                       asyncpg.exceptions.CharacterNotInRepertoireError):
        app.add_exception_handler(unstorable, _unstorable_text)

    async def _unavailable(_: Request, exc: Exception) -> JSONResponse:
        # The database is down or restarting: nothing was recorded (the transaction never committed);
        # the same request (with its Idempotency-Key) may be sent again.
        if not database_lost(exc):
            raise exc
        return JSONResponse(error_body("unavailable", "the database is not reachable; retry shortly"),
                            status_code=503, headers={"Retry-After": "1"})

    for lost in (OSError, asyncpg.PostgresConnectionError, asyncpg.exceptions.OperatorInterventionError,
                 asyncpg.InterfaceError, Exception):  # Exception: an error raised while handling a lost one
        app.add_exception_handler(lost, _unavailable)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        codes = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
                 405: "method_not_allowed", 409: "conflict", 422: "validation_error"}
        return JSONResponse(error_body(codes.get(exc.status_code, "error"), str(exc.detail)),
                            status_code=exc.status_code)
