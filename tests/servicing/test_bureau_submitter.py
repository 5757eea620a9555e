"""Credit-bureau submissions after commit: a bureau directory that cannot be written never fails a payment; the
record waits in `bureau_submissions` (seen in /v1/credit-bureau and /metrics) and is submitted, once, when the
directory can be written again — also after a submitter killed between writing the line and marking it sent."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import textwrap
import time
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from services.servicing.domain.credit_record import parse, record_id_for
from services.servicing.service_layer.bureau_submitter import describe, retry_delay
from tests.servicing.conftest import KnownSubjects, ServicingApp, servicing_app
from tests.servicing.test_collections_reactions import deliver
from tests.servicing.test_credit_record import _promise_broken

ROOT = Path(__file__).resolve().parents[2]

# ---- rules, pure ------------------------------------------------------------------------------------------------


def test_retries_back_off_doubling_up_to_the_cap():
    assert [retry_delay(n, 5.0, 600.0) for n in range(1, 10)] == [5, 10, 20, 40, 80, 160, 320, 600, 600]
    assert retry_delay(10_000, 5.0, 600.0) == 600


def test_an_error_is_described_by_its_kind_never_its_free_text():
    assert describe(PermissionError(13, "Permission denied", "/data/王小明-110101199003071234")) == (
        "PermissionError: [Errno 13] Permission denied")
    assert describe(ValueError("王小明 110101199003071234")) == "ValueError"


# ---- on the database --------------------------------------------------------------------------------------------


def _lines(directory: Path) -> list[dict[str, str]]:
    return [parse(x) for p in sorted(directory.glob("credit-records-*.txt"))
            for x in p.read_text(encoding="utf-8").splitlines()]


def _blocked(tmp_path: Path) -> tuple[Path, Path]:
    """A bureau directory that cannot be created: a file stands where its parent should be (root can write
    anywhere, so permissions would not stop the tests' user)."""
    blocker = tmp_path / "mnt"
    blocker.write_text("not a directory")
    return blocker, blocker / "bureau"


async def _broken_promise_on_a_loan(servicing: ServicingApp) -> tuple[str, str]:
    servicing.app.state.bureau_submitter.identities = KnownSubjects()  # the queue's mechanics, not whom
    loan_id = await servicing.disburse()
    await servicing.advance(date(2026, 4, 21))
    broken = _promise_broken(loan_id, date(2026, 4, 21))
    await deliver(servicing, broken)
    return loan_id, record_id_for(broken.id, "broken_promise")


async def _status(servicing: ServicingApp) -> dict[str, Any]:
    r = await servicing.client.get("/v1/credit-bureau", headers=servicing.admin)
    assert r.status_code == 200, r.text
    return r.json()


async def test_an_unwritable_bureau_directory_never_fails_the_payoff_and_the_queue_drains_once_fixed(
    platform, _drop_platform_dbs, tmp_path, caplog
):
    blocker, directory = _blocked(tmp_path)
    async with servicing_app(platform, credit_bureau_dir=directory, bureau_retry_base_seconds=0.01,
                             bureau_retry_max_seconds=0.01) as servicing:
        loan_id, record_id = await _broken_promise_on_a_loan(servicing)
        assert (await servicing.drain()).failed == 1
        new = await servicing.submission(record_id)
        assert (new["status"], new["attempts"], new["last_error"]) == (
            "pending", 1, "BureauUnavailable: cannot be created")

        partner = await servicing.partner()
        paid = await servicing.pay(partner, loan_id, (await servicing.loan(loan_id))["payoff_amount"])
        assert paid.status_code == 201 and paid.json()["status"] == "paid_off", paid.text  # the repayment stands
        [corrected] = [e for e in await servicing.events(loan_id) if e["type"] == "loan.credit_record.corrected"]
        await asyncio.sleep(0.05)
        assert (await servicing.drain()).failed == 1  # still broken: the record first, its correction waits

        status = await _status(servicing)
        assert status["enabled"] is True and status["destination_problem"] == "cannot be created"
        assert status["pending"] == 2 and status["oldest_pending_age_seconds"] > 0
        assert status["last_error"] == "BureauUnavailable: cannot be created"
        metrics = (await servicing.client.get("/metrics")).text
        assert "credit_bureau_submissions_pending 2.0" in metrics
        assert 'credit_bureau_submission_failures_total{error="BureauUnavailable"} 2.0' in metrics
        assert "credit_bureau_oldest_pending_age_seconds" in metrics

        blocker.unlink()  # the operator fixes the mount
        await asyncio.sleep(0.05)
        assert (await servicing.drain()).sent == 2
        assert [(x["record_id"], x["action"]) for x in _lines(directory)] == [
            (record_id, "NEW"), (corrected["data"]["record_id"], "COR")]
        assert (await servicing.submission(record_id))["status"] == "sent"
        status = await _status(servicing)
        assert (status["pending"], status["oldest_pending_age_seconds"], status["last_error"]) == (0, 0, None)
        assert status["destination_problem"] is None and status["last_sent_at"] is not None
        assert "credit_bureau_submissions_pending 0.0" in (await servicing.client.get("/metrics")).text
        assert "王小明" not in caplog.text and "110101" not in caplog.text


async def test_a_correction_never_overtakes_the_record_it_corrects(platform, _drop_platform_dbs, tmp_path):
    blocker, directory = _blocked(tmp_path)
    async with servicing_app(platform, credit_bureau_dir=directory, bureau_retry_base_seconds=600) as servicing:
        loan_id, record_id = await _broken_promise_on_a_loan(servicing)
        assert (await servicing.drain()).failed == 1  # the record's next attempt: in 10 minutes
        assert (await servicing.submission(record_id))["status"] == "pending"
        partner = await servicing.partner()
        paid = await servicing.pay(partner, loan_id, (await servicing.loan(loan_id))["payoff_amount"])
        assert paid.status_code == 201, paid.text
        blocker.unlink()
        assert (await servicing.drain()).sent == 0  # the correction is due, but its record is not yet sent
        assert _lines(directory) == []
        [corrected] = [e for e in await servicing.events(loan_id) if e["type"] == "loan.credit_record.corrected"]
        assert (await servicing.submission(corrected["data"]["record_id"]))["status"] == "pending"


async def test_the_background_submitter_sends_a_record_on_its_own(platform, _drop_platform_dbs, tmp_path):
    async with servicing_app(platform, credit_bureau_dir=tmp_path, bureau_poll_seconds=0.05) as servicing:
        submitter = servicing.app.state.bureau_submitter
        await submitter.open()  # what the servicing process runs (LOANFLOW_RUN_BACKGROUND)
        try:
            _, record_id = await _broken_promise_on_a_loan(servicing)
            deadline = time.monotonic() + 10
            while (await servicing.submission(record_id))["status"] != "sent":
                assert time.monotonic() < deadline, "the submitter did not send the record"
                await asyncio.sleep(0.05)
            assert [x["record_id"] for x in _lines(tmp_path)] == [record_id]
        finally:
            await submitter.close()


# The submitter in a process of its own, SIGKILLed by its port right after the line is written and fsynced:
# the transaction that would mark the submission sent never commits.
KILLED_AFTER_WRITING = textwrap.dedent("""
    import asyncio, os, signal, sys
    from pathlib import Path
    from types import SimpleNamespace
    from services.servicing.adapters.credit_bureau import FileCreditBureau
    from services.servicing.adapters import credit_subjects
    from services.servicing.service_layer.bureau_submitter import BureauSubmitter
    from shared.db import create_pool
    from shared.service import Metrics

    class KnownSubjects:
        async def subject(self, conn, submission):
            return await credit_subjects.get(conn, submission.loan_id)

    class KilledAfterWriting(FileCreditBureau):
        def submit(self, lines):
            written = super().submit(lines)
            print("written", written, flush=True)
            os.kill(os.getpid(), signal.SIGKILL)

    async def main():
        kernel = SimpleNamespace(db=await create_pool(sys.argv[1]), metrics=Metrics())
        submitter = BureauSubmitter(kernel, KilledAfterWriting(Path(sys.argv[2])), KnownSubjects(),
                                    poll_seconds=1, retry_base_seconds=1, retry_max_seconds=1, batch=10)
        await submitter.drain()
        print("not killed", flush=True)

    asyncio.run(main())
""")


async def test_a_submitter_killed_between_writing_the_line_and_marking_it_sent_leaves_exactly_one_line(
    platform, _drop_platform_dbs, tmp_path
):
    async with servicing_app(platform, credit_bureau_dir=tmp_path) as servicing:
        _, record_id = await _broken_promise_on_a_loan(servicing)
        child = await asyncio.to_thread(
            subprocess.run, [sys.executable, "-c", KILLED_AFTER_WRITING, servicing.app.state.kernel.dsn,
                             str(tmp_path)], cwd=ROOT, capture_output=True, text=True, timeout=60,
            env={**os.environ, "PYTHONPATH": str(ROOT)})
        assert child.returncode == -signal.SIGKILL, child.stdout + child.stderr
        assert f"written ['{record_id}']" in child.stdout and "not killed" not in child.stdout
        assert [x["record_id"] for x in _lines(tmp_path)] == [record_id]  # the line is there ...
        found = await servicing.submission(record_id)
        assert (found["status"], found["attempts"]) == ("pending", 0)  # ... and the submission was never marked

        assert (await servicing.drain()).sent == 1  # the next submitter: the port holds the id, writes nothing
        assert [x["record_id"] for x in _lines(tmp_path)] == [record_id]
        assert (await servicing.submission(record_id))["status"] == "sent"


@pytest.mark.parametrize("bureau", [False, True])
async def test_the_queue_state_is_served_to_admins_only(platform, _drop_platform_dbs, tmp_path, bureau):
    overrides = {"credit_bureau_dir": tmp_path} if bureau else {}
    async with servicing_app(platform, **overrides) as servicing:
        status = await _status(servicing)
        assert (status["enabled"], status["pending"], status["destination_problem"]) == (bureau, 0, None)
        r = await servicing.client.get("/v1/credit-bureau", headers=servicing.reader)
        assert r.status_code == 403
        r = await servicing.client.get("/v1/credit-bureau/submissions/nope", headers=servicing.admin)
        assert r.status_code == 404 and r.json()["error"]["code"] == "submission_not_found"


async def test_a_correction_recorded_while_reporting_is_off_waits_and_is_filed_when_it_is_on_again(
    platform, _drop_platform_dbs, tmp_path
):
    async with servicing_app(platform, credit_bureau_dir=tmp_path) as servicing:
        loan_id, record_id = await _broken_promise_on_a_loan(servicing)
        assert (await servicing.drain()).sent == 1
    async with servicing_app(platform) as servicing:  # the operator turns reporting off for a while
        partner = await servicing.partner()
        paid = await servicing.pay(partner, loan_id, (await servicing.loan(loan_id))["payoff_amount"])
        assert paid.status_code == 201 and paid.json()["status"] == "paid_off", paid.text
        status = await _status(servicing)
        assert (status["enabled"], status["pending"]) == (False, 1)
    async with servicing_app(platform, credit_bureau_dir=tmp_path) as servicing:
        servicing.app.state.bureau_submitter.identities = KnownSubjects()
        assert (await servicing.drain()).sent == 1
        assert [(x["action"], x["corrects"]) for x in _lines(tmp_path)] == [("NEW", ""), ("COR", record_id)]
