"""Domain refusals; the API maps them to 409/422 naming the rule."""

from __future__ import annotations


class CaseRuleViolation(Exception):
    """An action refused by a collections rule (409); `rule` names it."""

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(message)
        self.rule = rule
        self.message = message


class InvalidCommand(Exception):
    """A command whose input is wrong for the case (422)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
