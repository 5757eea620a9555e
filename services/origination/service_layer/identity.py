"""A borrower's identity for another service (issue 16): the full ID number and name, which only origination
holds (every other service receives the ID number masked), handed to a service for a stated purpose and
recorded in origination's access audit in the read's own transaction, as a person's reveal is."""

from __future__ import annotations

import logging

from services.origination.adapters import repository
from services.origination.domain.commands import Answer, RevealIdentity
from services.origination.service_layer.deps import Deps
from services.origination.service_layer.erasure import UnknownBorrower
from shared import access_audit
from shared.datakeys import ERASED, UNAVAILABLE
from shared.errors import DomainError, NotFound, Unprocessable

log = logging.getLogger(__name__)

MAX_RECORD = 200


class BorrowerGone(DomainError):
    """The borrower was erased: their key is destroyed, nothing of them can be read any more."""

    status, code = 410, "erased"


class IdentityUnavailable(DomainError):
    """The key is there but does not open (another LOANFLOW_SECRETS_KEY): never answered as the identity."""

    status, code = 503, "unavailable"


class UnknownLoan(NotFound):
    code = "loan_not_found"


async def borrower_identity(cmd: RevealIdentity, deps: Deps) -> Answer:
    """The borrower's name and full ID number as on their loan (`loan_id`, else their latest disbursed
    application, else their latest application); 404 for an unknown borrower or a loan not theirs, 410
    `erased` after an erasure, 503 `unavailable` when the key does not open. The access audit records the
    calling service, the borrower and `<purpose>:<record>`; a refusal records nothing."""
    record = cmd.record.strip()
    if not record or len(record) > MAX_RECORD:
        raise Unprocessable(f"`record` (the id of the {cmd.purpose} record the identity is for) must be 1 to "
                            f"{MAX_RECORD} characters", code="record_required",
                            details=[{"field": "query.record", "type": "missing", "message": "required"}])
    async with deps.kernel.unit_of_work() as uow:
        # FOR SHARE: an erasure (FOR UPDATE on the same row) waits for this read, or this read sees it done
        key = await uow.conn.fetchrow("SELECT sealed FROM data_keys WHERE key_id = $1 FOR SHARE", cmd.borrower_id)
        if key is None:
            raise UnknownBorrower(f"no borrower {cmd.borrower_id}")
        if key["sealed"] is None:
            raise BorrowerGone(f"borrower {cmd.borrower_id} was erased: their identity can no longer be read")
        row = await uow.conn.fetchrow(
            """SELECT a.application_id, a.loan_id FROM application_keys k JOIN applications a USING (application_id)
               WHERE k.key_id = $1 AND ($2::text IS NULL OR a.loan_id = $2)
               ORDER BY (a.loan_id IS NOT NULL) DESC, a.seq DESC LIMIT 1""", cmd.borrower_id, cmd.loan_id)
        if row is None:
            if cmd.loan_id is not None:
                raise UnknownLoan(f"borrower {cmd.borrower_id} has no loan {cmd.loan_id}")
            raise UnknownBorrower(f"no borrower {cmd.borrower_id}")
        app, _ = await repository.load(uow, row["application_id"], deps.ring)
        applicant = app.applicant
        if applicant is None or ERASED in (applicant.name, applicant.id_number):
            raise BorrowerGone(f"borrower {cmd.borrower_id} was erased: their identity can no longer be read")
        if UNAVAILABLE in (applicant.name, applicant.id_number):  # the key does not open with this secrets key
            raise IdentityUnavailable(f"borrower {cmd.borrower_id}'s data key does not open with this "
                                      "LOANFLOW_SECRETS_KEY: their identity cannot be read now")
        await access_audit.record(uow.conn, cmd.caller, "borrower", cmd.borrower_id, f"{cmd.purpose}:{record}",
                                  roles=cmd.roles)
    log.info("borrower %s: identity given to %s for %s %s", cmd.borrower_id, cmd.caller, cmd.purpose, record)
    return {"borrower_id": cmd.borrower_id, "name": applicant.name, "id_number": applicant.id_number,
            "application_id": row["application_id"], "loan_id": row["loan_id"], "purpose": cmd.purpose,
            "record": record}
