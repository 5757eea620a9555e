"""Reporting's refusals: each a kind of `shared.errors.DomainError`, which says the status and code."""

from __future__ import annotations

from shared.errors import BadRequest, NotFound, Unprocessable


class BadPeriod(BadRequest):
    """A period whose start is after its end (400)."""

    code = "bad_period"


class AsOfOutOfRange(Unprocessable):
    """A business date a report cannot be computed for (422)."""

    code = "as_of_out_of_range"


class LoanNotFound(NotFound):
    """No event about the loan has reached reporting (404)."""

    code = "loan_not_found"
