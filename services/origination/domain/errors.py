"""Origination's refusals: each a kind of `shared.errors.DomainError`, which says the status and code."""

from __future__ import annotations

from shared.errors import Conflict, Forbidden, NotFound, Unprocessable


class InvalidApplication(Unprocessable):
    """Field-level validation failures (422)."""

    code = "validation_error"


class NotPermitted(Forbidden):
    """The caller may not do this (segregation of duties, wrong role for the stage) (403)."""

    code = "not_permitted"


class WrongState(Conflict):
    """The application is not in a state that allows the command (409)."""

    code = "wrong_state"


class DisbursementRefused(Conflict):
    """The pre-disbursement re-check found a difference from what was reviewed (409)."""

    code = "recheck_failed"


class UnknownApplication(NotFound):
    """No application has this id (404)."""

    code = "application_not_found"


class AuthorisationRequired(Unprocessable):
    """The credit bureau is not queried without the applicant's signed authorisation (422)."""

    code = "authorisation_required"
