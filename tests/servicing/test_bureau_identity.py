"""Whom a credit record is filed under is asked of origination when it is submitted: an erased borrower's
records are not submittable (never retried), a loan naming no borrower neither, and origination being
unreachable only delays the submission."""

from __future__ import annotations

from datetime import date

from loanflow.embedded import free_port
from services.origination.config import OriginationSettings
from services.origination.entrypoints.consumer import on_servicing_event
from services.servicing.adapters.borrower_identity import OriginationIdentities
from services.servicing.domain.credit_record import parse
from shared.contracts import make_event
from shared.contracts.servicing import LoanPaidOff
from tests.origination.factory import application
from tests.servicing.conftest import lender
from tests.servicing.test_collections_reactions import deliver
from tests.servicing.test_credit_record import _promise_broken


def _lines(directory):
    return [parse(x) for p in sorted(directory.glob("credit-records-*.txt"))
            for x in p.read_text(encoding="utf-8").splitlines()]


async def _reported(servicing, loan_id: str) -> str:
    await servicing.advance(date(2026, 4, 21))
    await deliver(servicing, _promise_broken(loan_id, date(2026, 4, 21)))
    [reported] = [e for e in await servicing.events(loan_id) if e["type"] == "loan.credit_record.reported"]
    return str(reported["data"]["record_id"])


async def test_the_record_of_a_borrower_erased_before_it_was_submitted_is_not_submittable_for_good(
    platform, _drop_platform_dbs, tmp_path
):
    async with lender(platform, OriginationSettings(erasure_retention_days=0), credit_bureau_dir=tmp_path) as bank:
        servicing = bank.servicing
        loan_id, borrower_id, _ = await bank.loan(application())
        record_id = await _reported(servicing, loan_id)
        # the debt closes in origination's eyes and the borrower is erased before the submitter gets to the record
        paid_off = make_event("servicing", LoanPaidOff(loan_id=loan_id, paid_off_on=date(2026, 3, 1),
                                                       total_paid="1.00"),
                              subject=loan_id, businessdate=date(2026, 3, 1))
        async with bank.origination.state.kernel.db.acquire() as conn:
            await on_servicing_event(conn, paid_off)
        r = await bank.client.post(f"/v1/borrowers/{borrower_id}/erasure", headers=bank.as_("root", "admin"))
        assert r.status_code == 200, r.text

        assert (await servicing.drain()).not_submittable == 1
        found = await servicing.submission(record_id)
        assert (found["status"], found["reason"], found["attempts"]) == ("not_submittable", "erased", 1)
        assert (await servicing.drain()).not_submittable == 0  # never asked again
        assert (await servicing.submission(record_id))["attempts"] == 1
        assert _lines(tmp_path) == []
        r = await servicing.client.get("/v1/credit-bureau", headers=servicing.admin)
        assert (r.json()["pending"], r.json()["not_submittable"]) == (0, 1)
        assert "credit_bureau_submissions_not_submittable 1.0" in (await servicing.client.get("/metrics")).text


async def test_a_loan_that_names_no_borrower_is_not_submittable_and_origination_is_not_asked(
    platform, _drop_platform_dbs, tmp_path
):
    async with lender(platform, credit_bureau_dir=tmp_path) as bank:
        servicing = bank.servicing
        loan_id = await servicing.disburse()  # loan.disbursed as before data keys: the name in plain text
        record_id = await _reported(servicing, loan_id)
        assert (await servicing.drain()).not_submittable == 1
        found = await servicing.submission(record_id)
        assert (found["status"], found["reason"]) == ("not_submittable", "unknown_borrower")
        audit = await bank.client.get("/v1/audit/access", headers=bank.as_("audrey", "auditor"))
        assert [e for e in audit.json()["items"] if e["actor"] == "servicing-bureau"] == []


async def test_while_origination_cannot_be_reached_the_record_waits_and_goes_once_it_answers(
    platform, _drop_platform_dbs, tmp_path
):
    async with lender(platform, credit_bureau_dir=tmp_path, bureau_retry_base_seconds=0.01,
                      bureau_retry_max_seconds=0.01) as bank:
        servicing = bank.servicing
        body = application()
        loan_id, _, _ = await bank.loan(body)
        record_id = await _reported(servicing, loan_id)
        submitter = servicing.app.state.bureau_submitter
        reachable = submitter.identities
        submitter.identities = OriginationIdentities(f"http://127.0.0.1:{free_port()}", reachable.token, timeout=2)
        assert (await servicing.drain()).failed == 1
        found = await servicing.submission(record_id)
        assert (found["status"], found["last_error"]) == ("pending", "ConnectError")
        assert _lines(tmp_path) == []

        submitter.identities = reachable
        assert (await servicing.drain()).sent == 1
        [line] = _lines(tmp_path)
        assert (line["record_id"], line["id_number"]) == (record_id, body["applicant"]["id_number"])
        assert (await servicing.submission(record_id))["attempts"] == 2
