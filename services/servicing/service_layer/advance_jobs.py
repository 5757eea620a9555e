"""Business-date advances run as jobs in the background of the servicing process.

CONTRACT.md (second round): "A request never holds for minutes: `POST /v1/business-date/advance
{to}` answers within seconds for any `to` up to ten years ahead: 200 when done, or 202 `{job_id}`".

- Accepting an advance writes an `advance_jobs` row (`running`); the partial unique index on
  running jobs means one job at a time: a second advance while one runs is refused (409, naming
  the running job).
- The job closes day after day (`dayclose.advance`); each day's transaction also moves the job's
  `days_done`, so what the job row says is what is committed.
- The process running a job holds a session advisory lock (`RUNNER_LOCK`) for it. A job left
  `running` by a process that stopped or died (its lock went with its connection) is **resumed**
  by the next servicing process that starts, or by a live replica's watcher (every
  `WATCH_SECONDS`): days already closed are skipped, the rest are closed, then it is `done`.
- A job whose day-close raises is `failed` with the error; the days it closed stay closed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import date, timedelta
from typing import Any

import asyncpg

from services.servicing.adapters import advance_jobs as jobs
from services.servicing.domain.errors import AdvanceInProgress
from services.servicing.service_layer.dayclose import advance
from services.servicing.service_layer.handlers import Servicing, business_date
from shared.errors import ConcurrencyConflict, DomainError
from shared.service import ServiceKernel

log = logging.getLogger(__name__)
RUNNER_LOCK = 0x41445641  # "ADVA": held for the whole job by the process running it
WATCH_SECONDS = 15.0


class AdvanceFailed(DomainError):
    """A day-close of the job raised (a server fault, not bad input): the job is `failed`."""

    status, code = 500, "advance_failed"


class AdvanceJobs:
    """The advance jobs this process runs (and resumes), as asyncio tasks."""

    def __init__(self, kernel: ServiceKernel, svc: Servicing) -> None:
        self.kernel = kernel
        self.svc = svc
        self.tasks: dict[str, asyncio.Task[list[dict[str, Any]] | None]] = {}
        self._stop = asyncio.Event()
        self._watcher: asyncio.Task[None] | None = None

    async def start(self, to: date, requested_by: str | None) -> dict[str, Any] | None:
        """Accept an advance to `to` and start its job; None when `to` is not after the business date."""
        async with self.kernel.db.acquire() as conn:
            first = await business_date(conn) + timedelta(days=1)
            if to < first:
                return None
            job = await jobs.create(conn, first, to, requested_by)
            if job is None:
                running = await jobs.running(conn)
                if running is not None:
                    raise AdvanceInProgress(running)
                job = await jobs.create(conn, first, to, requested_by)  # it ended in between
                if job is None:  # pragma: no cover - a third advance won that race
                    raise AdvanceInProgress({"job_id": "?", "to_date": "?"})
        self._spawn(job["job_id"], resuming=False)
        return job

    async def wait(self, job_id: str, seconds: float) -> list[dict[str, Any]] | None:
        """The days the job closed, if it ends within `seconds` in this process; else None.

        A job that failed raises AdvanceFailed (500) here, or ConcurrencyConflict (409)."""
        task = self.tasks.get(job_id)
        if task is None:
            return None
        try:
            return await asyncio.wait_for(asyncio.shield(task), timeout=seconds)
        except TimeoutError:
            return None
        except ConcurrencyConflict:
            raise  # 409 like any lost race
        except Exception as exc:  # the job is recorded failed, with the error
            raise AdvanceFailed(f"advance job {job_id} failed: {type(exc).__name__}",
                                details=[{"job_id": job_id}]) from exc

    async def open(self) -> None:
        """Resume a job left running, and keep watching for one (a replica that died)."""
        self._stop.clear()
        await self.resume()
        self._watcher = asyncio.create_task(self._watch(), name="servicing-advance-watch")

    async def close(self, grace: float = 10.0) -> None:
        """Stop between two days; a job not finished stays `running` and resumes at the next start."""
        self._stop.set()
        if self._watcher is not None:
            self._watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watcher
        for task in list(self.tasks.values()):
            try:
                await asyncio.wait_for(asyncio.shield(task), timeout=grace)
            except TimeoutError:
                task.cancel()
            except (Exception, asyncio.CancelledError):
                pass  # logged by the job itself

    async def resume(self) -> None:
        """Run the job left `running` by a process that is gone (no-op while its runner holds the lock)."""
        async with self.kernel.db.acquire() as conn:
            job = await jobs.running(conn)
        if job is not None and job["job_id"] not in self.tasks:
            self._spawn(job["job_id"], resuming=True)

    async def _watch(self) -> None:
        while not self._stop.is_set():
            await asyncio.sleep(WATCH_SECONDS)
            try:
                await self.resume()
            except (OSError, asyncpg.PostgresError):
                log.warning("could not look for an advance job to resume", exc_info=True)

    def _spawn(self, job_id: str, *, resuming: bool) -> None:
        task = asyncio.create_task(self._run(job_id, resuming), name=f"servicing-advance-{job_id}")
        self.tasks[job_id] = task
        task.add_done_callback(lambda t: self._ended(job_id, t))

    def _ended(self, job_id: str, task: asyncio.Task[Any]) -> None:
        self.tasks.pop(job_id, None)
        if not task.cancelled():
            task.exception()  # retrieved: the job already logged and recorded it

    async def _run(self, job_id: str, resuming: bool) -> list[dict[str, Any]] | None:
        """Close the job's days under the runner lock; None when another process runs it."""
        async with self.kernel.db.acquire() as conn:
            if not await conn.fetchval("SELECT pg_try_advisory_lock($1)", RUNNER_LOCK):
                return None
            try:
                return await self._run_locked(conn, job_id, resuming)
            finally:
                with contextlib.suppress(Exception):
                    await conn.execute("SELECT pg_advisory_unlock($1)", RUNNER_LOCK)

    async def _run_locked(self, conn: asyncpg.Connection, job_id: str, resuming: bool) -> list[dict[str, Any]] | None:
        job = await jobs.get(conn, job_id)
        if job is None or job["status"] != "running":
            return None
        if resuming:
            await jobs.resumed(conn, job_id)
            log.info("resuming advance job %s (%d of %d days done)", job_id, job["days_done"], job["days_total"])

        async def counted(day_conn: asyncpg.Connection, _: date) -> None:
            await jobs.day_done(day_conn, job_id)

        try:
            closed = await advance(self.kernel.db, self.svc, job["to_date"], on_day=counted, stop=self._stop)
        except Exception as exc:
            log.exception("advance job %s failed", job_id)
            await jobs.finish(conn, job_id, error=f"{type(exc).__name__}: {exc}"[:2000])
            raise
        if self._stop.is_set() and await business_date(conn) < job["to_date"]:
            return None  # stopping: the job stays running and resumes at the next start
        await jobs.finish(conn, job_id)
        return closed
