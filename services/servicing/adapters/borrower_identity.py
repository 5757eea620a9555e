"""Whom a credit record is filed under, asked of origination when the record is submitted.

Servicing holds the borrower's ID number masked and the name sealed with the borrower's data key (issue 16);
only origination holds them in full. `GET /v1/borrowers/{borrower_id}/identity?purpose=credit_bureau&record=
<record id>&loan_id=<loan>` (role `service`, a token servicing signs for itself, sub `servicing-bureau`) answers
them, recording the hand-over in origination's access audit. The borrower id is the key id of the loan's sealed
fields (`shared.datakeys.key_id_of`). The answer lives only in memory for the line being written: never stored,
never logged. 410 → the borrower was erased (`SubjectErased`); any other failure raises for a retry.
"""

from __future__ import annotations

from collections.abc import Callable

import asyncpg
import httpx

from services.servicing.adapters import credit_subjects
from services.servicing.adapters.bureau_submissions import Submission
from services.servicing.domain.credit_record import Subject, SubjectErased, SubjectUnknown
from shared.datakeys import is_sealed, key_id_of

PURPOSE = "credit_bureau"


class OriginationIdentities:
    def __init__(self, base_url: str, token: Callable[[], str], *, timeout: float = 5.0,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout
        self.transport = transport  # tests: origination's app in-process

    async def subject(self, conn: asyncpg.Connection, submission: Submission) -> Subject:
        stored = await credit_subjects.get(conn, submission.loan_id)
        if not is_sealed(stored.name):  # disbursed before data keys (or before credit_subjects): no borrower id
            raise SubjectUnknown(submission.loan_id)
        borrower_id = key_id_of(stored.name)
        async with httpx.AsyncClient(base_url=self.base_url, timeout=self.timeout, transport=self.transport) as http:
            r = await http.get(f"/v1/borrowers/{borrower_id}/identity",
                               params={"purpose": PURPOSE, "record": submission.record_id,
                                       "loan_id": submission.loan_id},
                               headers={"Authorization": f"Bearer {self.token()}"})
        if r.status_code == 410:
            raise SubjectErased(borrower_id)
        r.raise_for_status()
        body = r.json()
        return Subject(body.get("application_id") or stored.application_id, body["name"], body["id_number"])
