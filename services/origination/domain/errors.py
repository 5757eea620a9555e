"""Domain refusals; the entrypoints map them onto the contract's status codes."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A command the domain refuses."""

    code = "refused"

    def __init__(self, message: str, *, code: str | None = None, details: list[Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.details = details or []


class InvalidApplication(DomainError):
    """Field-level validation failures (422)."""

    code = "validation_error"


class NotPermitted(DomainError):
    """The caller may not do this (segregation of duties, wrong role for the stage) (403)."""

    code = "not_permitted"


class WrongState(DomainError):
    """The application is not in a state that allows the command (409)."""

    code = "wrong_state"


class DisbursementRefused(DomainError):
    """The pre-disbursement re-check found a difference from what was reviewed (409)."""

    code = "recheck_failed"
