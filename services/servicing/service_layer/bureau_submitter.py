"""The credit-bureau submitter: drains `bureau_submissions` (the bureau's outbox) after the events commit.

The event is the record; submitting it is a side effect that must never fail the payment or the broken
promise that recorded it. So the handler only queues a row in the event's transaction
(`adapters/bureau_submissions.enqueue`), and this submitter, in the background of the servicing process:
- claims due rows (`FOR UPDATE SKIP LOCKED`; a loan's rows in order), asks the port whether it can take
  lines at all, resolves whom each record is filed under (`Identities`: origination's full ID and name,
  held in memory for that line only), hands the line to the port (`CreditBureau.submit`, in a thread: it blocks on a
  file lock and fsync) and marks the row `sent`, all in one transaction;
- a failure marks the row's attempt and error kind and its next attempt after a backoff
  (`retry_delay`), and ends the pass (the destination is likely down for the rows after it too);
- a record that can never be submitted — the borrower erased (origination answers 410), or a loan that names
  no borrower — makes the row `not_submittable` with its reason (`erased`, `unknown_borrower`): never retried;
- a crash after the port took the line and before the commit leaves the row pending: the retry hands
  the same record id again, which the port does not report twice — exactly one line per record.
What is waiting shows in `/metrics` and `GET /v1/credit-bureau` (pending, oldest age, last error kind).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

import asyncpg
from prometheus_client import CollectorRegistry, Counter
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from services.servicing.adapters import bureau_submissions as queue
from services.servicing.domain.credit_record import CreditBureau, NotSubmittable, Subject, line_from
from shared.service import ServiceKernel

log = logging.getLogger(__name__)


def retry_delay(attempts: int, base: float, cap: float) -> float:
    """Seconds before the next attempt after `attempts` failed ones: base, 2×base, 4×base, … at most cap."""
    return float(min(cap, base * 2 ** min(max(attempts - 1, 0), 32)))


class BureauUnavailable(Exception):
    """The bureau's port says it cannot take lines now (e.g. the directory cannot be written)."""


def describe(exc: BaseException) -> str:
    """The kind of an error, for the table, the logs and /metrics: never its free text (which could carry
    a line's fields), only the class, an errno's standard words or an HTTP status."""
    name = type(exc).__name__
    if isinstance(exc, BureauUnavailable):
        return f"{name}: {exc}"  # the port's own words (`not writable`, `cannot be created`)
    if isinstance(exc, OSError) and exc.errno is not None:
        return f"{name}: [Errno {exc.errno}] {exc.strerror}"
    status = getattr(getattr(exc, "response", None), "status_code", None)
    if isinstance(status, int):
        return f"{name}: HTTP {status}"
    return name


class Identities(Protocol):
    """Whom a loan's records are filed under, resolved when the record is submitted (in production:
    origination, `adapters/borrower_identity.py`)."""

    async def subject(self, conn: asyncpg.Connection, submission: queue.Submission) -> Subject:
        """The subject; raises NotSubmittable (SubjectErased, SubjectUnknown) when there can be none."""
        ...


@dataclass
class Drained:
    sent: int = 0
    not_submittable: int = 0
    failed: int = 0


class BureauSubmitter:
    """Submits queued credit records to the bureau port, with retries and backoff; its state for /metrics."""

    def __init__(self, kernel: ServiceKernel, bureau: CreditBureau, identities: Identities, *,
                 poll_seconds: float, retry_base_seconds: float, retry_max_seconds: float, batch: int) -> None:
        self.kernel = kernel
        self.bureau = bureau
        self.identities = identities
        self.poll_seconds = poll_seconds
        self.retry_base_seconds = retry_base_seconds
        self.retry_max_seconds = retry_max_seconds
        self.batch = batch
        self.backlog: queue.Backlog | None = None  # as last read (each pass, and each GET /v1/credit-bureau)
        self.wake = asyncio.Event()
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        registry: CollectorRegistry = kernel.metrics.registry
        self.sent_total = Counter("credit_bureau_submissions_sent_total", "credit records submitted to the bureau "
                                  "by this process", registry=registry)
        self.failures_total = Counter("credit_bureau_submission_failures_total", "failed attempts to submit a "
                                      "credit record, by error class", ["error"], registry=registry)
        registry.register(_BacklogCollector(self))

    # ---- one pass ---------------------------------------------------------------------------------------------

    async def drain(self) -> Drained:
        """Submit every due row until none is left or an attempt fails; answers what happened. (A pass claims a
        loan's first pending row only, so a correction goes in the pass after its record's.)"""
        done = Drained()
        while True:
            claimed, failed = await self._pass(done)
            if failed or claimed == 0:
                break
        await self.refresh()
        return done

    async def _pass(self, done: Drained) -> tuple[int, bool]:
        async with self.kernel.db.acquire() as conn, conn.transaction():
            batch = await queue.claim(conn, self.batch)
            for submission in batch:
                try:
                    problem = await asyncio.to_thread(self.bureau.problem)
                    if problem is not None:  # ask no one's identity for a line that cannot be written
                        raise BureauUnavailable(problem)
                    subject = await self.identities.subject(conn, submission)
                    line = line_from(submission.event_type, submission.data, subject)
                    await asyncio.to_thread(self.bureau.submit, [line])
                except NotSubmittable as never:
                    await queue.not_submittable(conn, submission.record_id, never.reason)
                    log.warning("credit bureau: record %s of loan %s not submittable (%s)", submission.record_id,
                                submission.loan_id, never.reason)
                    done.not_submittable += 1
                    continue
                except Exception as exc:  # anything: the row stays pending and is retried later
                    error = describe(exc)
                    delay = retry_delay(submission.attempts + 1, self.retry_base_seconds, self.retry_max_seconds)
                    await queue.failed(conn, submission.record_id, error, delay)
                    self.failures_total.labels(type(exc).__name__).inc()
                    log.warning("credit bureau: record %s of loan %s not submitted (attempt %d: %s); next attempt in "
                                "%.0f s", submission.record_id, submission.loan_id, submission.attempts + 1, error,
                                delay)
                    # where it failed, without the exception's text (which could quote a line's fields)
                    log.debug("credit bureau: %s raised at\n%s", type(exc).__name__,
                              "".join(traceback.format_tb(exc.__traceback__)))
                    done.failed += 1
                    return len(batch), True
                await queue.sent(conn, submission.record_id)
                self.sent_total.inc()
                done.sent += 1
            return len(batch), False

    async def refresh(self) -> queue.Backlog:
        async with self.kernel.db.acquire() as conn:
            self.backlog = await queue.backlog(conn)
        return self.backlog

    # ---- in the background ------------------------------------------------------------------------------------

    async def open(self) -> None:
        self._stop.clear()
        self._task = asyncio.create_task(self._run(), name="servicing-bureau-submitter")

    async def close(self) -> None:
        self._stop.set()
        self.wake.set()
        if self._task is not None:
            try:
                await asyncio.wait_for(self._task, timeout=10)
            except TimeoutError:
                self._task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._task
            self._task = None

    async def _run(self) -> None:
        while not self._stop.is_set():
            try:
                await self.drain()
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:  # the database, not the bureau
                log.warning("credit bureau: submitter pass failed (%s); retrying", describe(exc))
            except Exception:
                log.exception("credit bureau: submitter pass failed; retrying")
            self.wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.wake.wait(), timeout=self.poll_seconds)


class _BacklogCollector(Collector):
    """The backlog as last read by the submitter (at most one poll interval old)."""

    def __init__(self, submitter: BureauSubmitter) -> None:
        self.submitter = submitter

    def collect(self) -> Iterator[GaugeMetricFamily]:
        b = self.submitter.backlog
        if b is None:
            return
        yield GaugeMetricFamily("credit_bureau_submissions_pending", "credit records waiting to be submitted",
                                value=b.pending)
        yield GaugeMetricFamily("credit_bureau_oldest_pending_age_seconds", "age of the oldest credit record "
                                "waiting to be submitted", value=b.oldest_pending_age_seconds)
        yield GaugeMetricFamily("credit_bureau_submissions_not_submittable", "credit records that can never be "
                                "submitted (the borrower erased)", value=b.not_submittable)
        yield GaugeMetricFamily("credit_bureau_last_error_timestamp_seconds", "when a still-pending record last "
                                "failed (0: none)", value=_ts(b.last_error_at))
        yield GaugeMetricFamily("credit_bureau_last_sent_timestamp_seconds", "when a record was last submitted "
                                "(0: never)", value=_ts(b.last_sent_at))


def _ts(at: datetime | None) -> float:
    return at.timestamp() if at is not None else 0.0


def status(backlog: queue.Backlog, *, enabled: bool, problem: str | None) -> dict[str, Any]:
    """The answer of GET /v1/credit-bureau."""
    return {
        "enabled": enabled,
        "destination_problem": problem,
        "pending": backlog.pending,
        "oldest_pending_age_seconds": round(backlog.oldest_pending_age_seconds, 3),
        "not_submittable": backlog.not_submittable,
        "last_error": backlog.last_error,
        "last_error_at": backlog.last_error_at,
        "last_sent_at": backlog.last_sent_at,
    }
