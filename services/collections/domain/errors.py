"""Domain refusals: kinds of the shared DomainError, mapped once for every service (shared/errors.py)."""

from __future__ import annotations

from shared.errors import Conflict, Unprocessable


class CaseRuleViolation(Conflict):
    """An action refused by a collections rule (409); `rule` names it, as the error code and in details."""

    def __init__(self, rule: str, message: str, **detail: object) -> None:
        super().__init__(message, code=rule, details=[{"rule": rule, **detail}])
        self.rule = rule


class InvalidCommand(Unprocessable):
    """A command whose input is wrong for the case (422); `code` names what is wrong."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message, code=code)
