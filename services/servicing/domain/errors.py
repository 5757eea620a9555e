"""Why servicing refused: each refusal is a kind of the shared `DomainError` (its HTTP status and the
contract's error code), answered by the one mapping in `shared/errors.install_error_handlers`."""

from __future__ import annotations

from typing import Any

from shared.errors import Conflict, Forbidden, NotFound, Unprocessable


class LoanNotFound(NotFound):
    code = "loan_not_found"


class LoanClosed(Conflict):
    """The loan is paid off: nothing is owed, nothing more is accepted (409)."""

    code = "loan_paid_off"


class Overpayment(Unprocessable):
    """The payment exceeds everything owed; never silently kept (422)."""

    code = "overpayment"


class InvalidAmount(Unprocessable):
    """Amounts must be positive fen amounts (422)."""

    code = "invalid_amount"


class InvalidRepayment(Unprocessable):
    """A partner's repayment body that does not parse (422, each field's problem in details)."""


class PartnerNotFound(NotFound):
    code = "partner_not_found"


class SubmissionNotFound(NotFound):
    """No credit record of this id was queued for the bureau (404)."""

    code = "submission_not_found"


class OutsideChannel(Forbidden):
    """A partner bound to a channel pays only loans of that channel's products (403)."""

    code = "partner_channel"


class UnknownChannel(Unprocessable):
    """A partner's channel must be one of LOANFLOW_SERVICING_PARTNER_CHANNELS (422)."""

    code = "unknown_channel"


class AdvanceTooFar(Unprocessable):
    """One advance moves the business date at most ten years (422)."""

    code = "advance_too_far"


class AdvanceInProgress(Conflict):
    """Another advance job is running: one at a time (409, naming the running job)."""

    code = "advance_in_progress"

    def __init__(self, job: dict[str, Any]) -> None:
        super().__init__(f"advance job {job['job_id']} to {job['to_date']} is running",
                         details=[{"job_id": job["job_id"], "to": str(job["to_date"])}])
        self.job = job


class JobNotFound(NotFound):
    code = "job_not_found"
