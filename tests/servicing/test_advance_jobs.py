"""A long business-date advance is a job: the request answers at once, the job closes every day once.

Before advances were jobs, `POST /v1/business-date/advance` ten years ahead held the request
for as long as 3,650 day-closes took (minutes on a real book; a client gave up after 10 s).
"""

from __future__ import annotations

import asyncio
import time
from datetime import date, timedelta

import asyncpg

from loanflow.testing import eventually
from services.servicing.domain.dayclose import advance_limit

from .conftest import START, ServicingApp, servicing_app


async def closed_days(servicing: ServicingApp) -> list[str]:
    """The business date of every servicing.day.closed event, in stream order."""
    async with servicing.app.state.kernel.db.acquire() as conn:
        rows = await conn.fetch("SELECT envelope->'data'->>'business_date' AS day FROM events "
                                "WHERE stream_id = 'business-date' ORDER BY version")
    return [r["day"] for r in rows]


def every_day(first: date, last: date) -> list[str]:
    return [(first + timedelta(days=n)).isoformat() for n in range((last - first).days + 1)]


async def post_advance(servicing: ServicingApp, to: date, headers: dict[str, str] | None = None):
    return await servicing.client.post("/v1/business-date/advance", json={"to": to.isoformat()},
                                       headers=headers or servicing.admin)


async def test_ten_years_ahead_answers_at_once_with_a_job_that_closes_every_day_once(servicing):
    loan_id = await servicing.disburse()
    to = advance_limit(START)  # 1 March 2036
    started = time.monotonic()
    r = await post_advance(servicing, to)
    answered_in = time.monotonic() - started
    assert r.status_code == 202, r.text
    assert answered_in < 5, f"the advance held the request {answered_in:.1f} s"
    job = r.json()
    assert r.headers["location"] == f"/v1/business-date/jobs/{job['job_id']}"
    assert (job["status"], job["days_total"], job["first_day"], job["to"]) == (
        "running", (to - START).days, "2026-03-02", "2036-03-01")
    assert job["days_done"] < job["days_total"]

    done = await servicing.job_done(job["job_id"], timeout=600)
    assert (done["days_done"], done["days_total"], done["error"]) == (job["days_total"], job["days_total"], None)
    assert done["business_date"] == to.isoformat() and done["finished_at"] is not None
    now = (await servicing.client.get("/v1/business-date", headers=servicing.reader)).json()
    assert now == {"business_date": to.isoformat(), "last_closed": to.isoformat(), "running_job": None}
    assert await closed_days(servicing) == every_day(START + timedelta(days=1), to)
    view = await servicing.loan(loan_id)  # six installments from April 2026, none paid
    assert (view["status"], view["overdue_since"]) == ("overdue", "2026-04-20")
    assert done["events"] == len(await servicing.events(loan_id)) - 1 + len(every_day(START + timedelta(1), to))


async def test_a_short_advance_answers_200_with_the_days_it_closed(servicing):
    r = await post_advance(servicing, START + timedelta(days=3))
    assert r.status_code == 200, r.text
    body = r.json()
    assert [d["business_date"] for d in body["closed"]] == every_day(START + timedelta(1), START + timedelta(3))
    assert body["days_closed"] == 3 and body["job_id"].startswith("adv_")
    job = (await servicing.client.get(f"/v1/business-date/jobs/{body['job_id']}", headers=servicing.reader)).json()
    assert (job["status"], job["days_done"], job["days_total"]) == ("done", 3, 3)
    nothing = await post_advance(servicing, START)  # not after the business date: nothing to do, no job
    assert nothing.status_code == 200 and nothing.json()["job_id"] is None and nothing.json()["closed"] == []


async def test_a_second_advance_while_one_runs_is_409_naming_the_running_job(platform, _drop_platform_dbs):
    async with servicing_app(platform, advance_wait_seconds=0) as servicing:  # every advance answers 202
        first = await post_advance(servicing, START + timedelta(days=300))
        assert first.status_code == 202, first.text
        second = await post_advance(servicing, START + timedelta(days=10))
        assert second.status_code == 409, second.text
        error = second.json()["error"]
        assert error["code"] == "advance_in_progress" and error["details"][0]["job_id"] == first.json()["job_id"]
        now = (await servicing.client.get("/v1/business-date", headers=servicing.reader)).json()
        assert now["running_job"] == first.json()["job_id"]
        await servicing.job_done(first.json()["job_id"])
        after = await servicing.advance(START + timedelta(days=301))
        assert [d["business_date"] for d in after["closed"]] == [(START + timedelta(days=301)).isoformat()]


async def test_more_than_ten_years_ahead_is_422_and_starts_nothing(servicing):
    r = await post_advance(servicing, advance_limit(START) + timedelta(days=1))
    assert r.status_code == 422 and r.json()["error"]["code"] == "advance_too_far"
    async with servicing.app.state.kernel.db.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM advance_jobs") == 0
    assert await closed_days(servicing) == []


async def test_jobs_need_a_token_an_admin_to_start_and_an_unknown_job_is_404(servicing):
    assert (await servicing.client.get("/v1/business-date/jobs/adv_x")).status_code == 401
    assert (await post_advance(servicing, START + timedelta(days=1), servicing.reader)).status_code == 403
    missing = await servicing.client.get("/v1/business-date/jobs/adv_nope", headers=servicing.reader)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "job_not_found"


async def days_done_at_least(servicing: ServicingApp, job_id: str, days: int) -> bool:
    r = await servicing.client.get(f"/v1/business-date/jobs/{job_id}", headers=servicing.reader)
    return int(r.json()["days_done"]) >= days


async def test_a_job_stopped_by_a_restart_resumes_when_servicing_starts_again(platform, _drop_platform_dbs):
    to = START + timedelta(days=400)
    async with servicing_app(platform, advance_wait_seconds=0) as servicing:
        job_id = (await post_advance(servicing, to)).json()["job_id"]
        await eventually(lambda: days_done_at_least(servicing, job_id, 20), timeout=120)
    # servicing stopped mid-job (between two days): the job is left running, part done
    conn = await asyncpg.connect(platform.service_dsn("servicing"))
    try:
        left = await conn.fetchrow("SELECT status, days_done, resumed FROM advance_jobs WHERE job_id = $1", job_id)
        closed = await conn.fetchval("SELECT count(*) FROM day_closes")
    finally:
        await conn.close()
    assert left["status"] == "running" and 20 <= left["days_done"] == closed < 400 and left["resumed"] == 0
    async with servicing_app(platform) as servicing:  # the next start resumes it
        done = await servicing.job_done(job_id)
        assert (done["days_done"], done["business_date"], done["resumed"]) == (400, to.isoformat(), 1)
        assert await closed_days(servicing) == every_day(START + timedelta(days=1), to)


async def test_a_job_whose_runner_died_mid_day_is_resumed_by_the_watcher(platform, _drop_platform_dbs):
    to = START + timedelta(days=400)
    async with servicing_app(platform, advance_wait_seconds=0) as servicing:
        jobs = servicing.app.state.advance_jobs
        job_id = (await post_advance(servicing, to)).json()["job_id"]
        await eventually(lambda: days_done_at_least(servicing, job_id, 20), timeout=120)
        runner = jobs.tasks[job_id]
        runner.cancel()  # as if the process running it died in the middle of a day-close
        await asyncio.gather(runner, return_exceptions=True)
        died = (await servicing.client.get(f"/v1/business-date/jobs/{job_id}", headers=servicing.reader)).json()
        assert died["status"] == "running" and died["days_done"] < 400
        await jobs.resume()  # what the watcher does every WATCH_SECONDS
        done = await servicing.job_done(job_id)
        assert (done["resumed"], done["days_done"]) == (1, 400)
        assert await closed_days(servicing) == every_day(START + timedelta(days=1), to)


REFUSE_20_MARCH = """
CREATE FUNCTION refuse_day() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN IF NEW.business_date = DATE '2026-03-20' THEN RAISE EXCEPTION 'disk full'; END IF; RETURN NEW; END $$;
CREATE TRIGGER refuse_day BEFORE INSERT ON day_closes FOR EACH ROW EXECUTE FUNCTION refuse_day()"""


async def test_a_day_close_that_fails_fails_the_job_and_keeps_the_days_before(platform, _drop_platform_dbs):
    async with servicing_app(platform, advance_wait_seconds=10) as servicing:
        async with servicing.app.state.kernel.db.acquire() as conn:
            await conn.execute(REFUSE_20_MARCH)
        r = await post_advance(servicing, date(2026, 3, 25))
        assert r.status_code == 500 and r.json()["error"]["code"] == "advance_failed", r.text
        job_id = r.json()["error"]["details"][0]["job_id"]
        job = (await servicing.client.get(f"/v1/business-date/jobs/{job_id}", headers=servicing.reader)).json()
        assert (job["status"], job["days_done"], job["business_date"]) == ("failed", 18, "2026-03-19")
        assert "disk full" in job["error"]
        assert await closed_days(servicing) == every_day(date(2026, 3, 2), date(2026, 3, 19))
        async with servicing.app.state.kernel.db.acquire() as conn:
            await conn.execute("DROP TRIGGER refuse_day ON day_closes")
        retried = await servicing.advance(date(2026, 3, 25))
        assert [d["business_date"] for d in retried["closed"]] == every_day(date(2026, 3, 20), date(2026, 3, 25))
