"""Request text PostgreSQL cannot store is bad input: a 422 in the contract's error JSON, never a 500."""

from __future__ import annotations

import asyncpg
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from shared.errors import error_body

# What PostgreSQL says of text it cannot store: a NUL character (\u0000) in a request's strings.
UNSTORABLE_TEXT = (asyncpg.exceptions.UntranslatableCharacterError, asyncpg.exceptions.CharacterNotInRepertoireError)


def install_unstorable_text_handler(app: FastAPI) -> None:
    """422, not a 500, for request text PostgreSQL refuses; the transaction rolled back, nothing changed."""

    async def _unstorable(_: Request, exc: Exception) -> JSONResponse:
        return JSONResponse(error_body("invalid_text", "text must not contain NUL characters (\\u0000)"),
                            status_code=422)

    for error in UNSTORABLE_TEXT:
        app.add_exception_handler(error, _unstorable)
