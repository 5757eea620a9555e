"""Credit-bureau reporting end to end, through four `loanflow serve` processes (real PostgreSQL and broker): a
borrower breaks a promise, servicing records the negative record and its own submitter files it — in the
borrower's full name and ID number, which servicing asks of origination over HTTP with its own service token
(origination's access audit says so) — and paying the loan off files the correction."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from loanflow.client import wait_for
from loanflow.stories import first_due, missed_and_opened, promise_broken_then_kept
from loanflow.world import OPS, World
from services.servicing.domain.credit_record import parse


@pytest.fixture
def bureau_dir(tmp_path: Path) -> Path:
    return tmp_path / "credit-bureau"


@pytest.fixture
def system_env(system_env: dict[str, str], bureau_dir: Path) -> dict[str, str]:
    return {**system_env, "LOANFLOW_SERVICING_CREDIT_BUREAU_DIR": str(bureau_dir),
            "LOANFLOW_SERVICING_BUREAU_POLL_SECONDS": "0.2"}


def _lines(directory: Path, count: int) -> list[dict[str, str]] | None:
    lines = [parse(x) for p in sorted(directory.glob("credit-records-*.txt"))
             for x in p.read_text(encoding="utf-8").splitlines()]
    return lines if len(lines) >= count else None


async def test_a_broken_promise_reaches_the_bureau_in_full_and_the_payoff_corrects_it(client, bureau_dir):
    world = World(client, await client.add_partner("bureau-story"))
    person = world.applicant(1)
    loan = await world.originate("cured", amount="12000.00", n=1)
    await world.await_schedules()
    d1 = await first_due(world)
    await missed_and_opened(world, ["cured"], d1)
    await promise_broken_then_kept(world, d1)  # the first promise is broken: a negative record

    async def line() -> Any:
        return _lines(bureau_dir, 1)

    [new] = await wait_for(line, "the negative record's line in the bureau's file", 60)
    assert (new["action"], new["loan_id"], new["application_id"], new["reason"]) == (
        "NEW", loan.loan_id, loan.application_id, "BROKEN_PROMISE")
    assert (new["name"], new["id_number"]) == (person["name"], person["id_number"])  # in full, from origination

    await world.pay("cured", (await world.loan("cured"))["payoff_amount"])

    async def two() -> Any:
        return _lines(bureau_dir, 2)

    _, cor = await wait_for(two, "the correction's line", 60)
    assert (cor["action"], cor["corrects"], cor["reason"], cor["id_number"]) == (
        "COR", new["record_id"], "PAID_OFF", person["id_number"])

    status = await client.get("servicing", "/v1/credit-bureau", OPS)
    assert (status["enabled"], status["pending"], status["not_submittable"], status["last_error"]) == (
        True, 0, 0, None)
    borrower_id = (await client.get("origination", f"/v1/applications/{loan.application_id}", OPS))["borrower_id"]
    audit = await client.get("origination", "/v1/audit/access", ("audrey", "auditor"),
                             params={"subject_id": borrower_id})
    assert [(e["actor"], e["reason"]) for e in audit["items"]] == [
        ("servicing-bureau", f"credit_bureau:{new['record_id']}"),
        ("servicing-bureau", f"credit_bureau:{cor['record_id']}"),
    ]
