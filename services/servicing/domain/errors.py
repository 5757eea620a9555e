"""Why the loan refused a command (mapped to HTTP statuses by the service layer)."""

from __future__ import annotations


class LoanRefused(Exception):
    """Base of the loan's refusals; `code` is the contract's error code."""

    code = "refused"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class LoanClosed(LoanRefused):
    """The loan is paid off: nothing is owed, nothing more is accepted (409)."""

    code = "loan_paid_off"


class Overpayment(LoanRefused):
    """The payment exceeds everything owed; never silently kept (422)."""

    code = "overpayment"


class InvalidAmount(LoanRefused):
    """Amounts must be positive fen amounts (422)."""

    code = "invalid_amount"
