"""Helpers every scenario shares: sizes, fresh databases, latency percentiles, RSS sampling."""

from __future__ import annotations

import asyncio
import statistics
import threading
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime
from typing import Any, TypeVar

import psutil

from shared.config import with_database
from shared.contracts import CloudEvent
from shared.db import PLATFORM_DDL, connect, drop_database, ensure_database

SIZES = ("tiny", "default", "large")
T = TypeVar("T")


def pick(size: str, *, tiny: T, default: T, large: T) -> T:
    """The value for a run size (tiny: seconds, for tests; default: a minute or two; large: longer)."""
    if size not in SIZES:
        raise ValueError(f"unknown size {size!r}; one of {', '.join(SIZES)}")
    return {"tiny": tiny, "default": default, "large": large}[size]


def unique(label: str) -> str:
    """A name no other run uses, e.g. for databases and topic prefixes."""
    return f"bench_{label}_{uuid.uuid4().hex[:8]}"


@asynccontextmanager
async def fresh_database(pg_url: str, label: str, *, platform_tables: bool = True) -> AsyncIterator[str]:
    """A new database on the server (with the platform tables), dropped afterwards."""
    dsn = with_database(pg_url, unique(label))
    await ensure_database(dsn)
    try:
        if platform_tables:
            conn = await connect(dsn)
            try:
                await conn.execute(PLATFORM_DDL)
            finally:
                await conn.close()
        yield dsn
    finally:
        await drop_database(dsn)


def latency_ms(samples: Sequence[float]) -> dict[str, float]:
    """p50/p99/mean/max in milliseconds of latencies given in seconds."""
    if not samples:
        return {"p50_ms": 0.0, "p99_ms": 0.0, "mean_ms": 0.0, "max_ms": 0.0}
    ordered = sorted(samples)

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] * 1000

    return {"p50_ms": round(at(0.50), 3), "p99_ms": round(at(0.99), 3),
            "mean_ms": round(statistics.fmean(ordered) * 1000, 3), "max_ms": round(ordered[-1] * 1000, 3)}


def rate(count: int, seconds: float) -> float:
    """Items per second, rounded (0 when nothing was timed)."""
    return round(count / seconds, 1) if seconds > 0 else 0.0


def ratio(ours: float, baseline: float) -> float:
    """ours / baseline, rounded to 3 places (0 when the baseline is 0)."""
    return round(ours / baseline, 3) if baseline else 0.0


def payment_event(stream: str, n: int) -> CloudEvent:
    """A realistic `loan.payment.received` envelope (about 900 bytes of JSON) for stream `stream`."""
    return CloudEvent(
        source="servicing", type="loan.payment.received", subject=stream, correlationid=f"bench-{stream}",
        businessdate=date(2026, 4, 20), time=datetime(2026, 4, 20, 10, 0, tzinfo=UTC),
        data={
            "loan_id": stream, "payment_id": f"pay-{stream}-{n}", "partner_id": "bench-partner",
            "external_ref": f"ext-{n}", "amount": "1234.50", "paid_at": "2026-04-20T10:00:00+00:00",
            "allocation": [
                {"installment_number": 3, "kind": "penalty_interest", "amount": "12.30"},
                {"installment_number": 3, "kind": "interest", "amount": "322.20"},
                {"installment_number": 3, "kind": "principal", "amount": "900.00"},
            ],
            "principal_outstanding": "98100.00", "days_past_due": 0, "status": "current",
        },
    )


class RssSampler:
    """Peak resident memory of processes, sampled on a thread while a block runs.

    `with RssSampler({"harness": os.getpid(), "broker": pid}) as s: ...` then `s.peak_mb`.
    With `children=True` a process' children count with it (a service's workers, for example).
    """

    def __init__(self, pids: dict[str, int], interval: float = 0.05, *, children: bool = False) -> None:
        self.pids = pids
        self.interval = interval
        self.children = children
        self.peak: dict[str, int] = dict.fromkeys(pids, 0)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True, name="rss-sampler")

    def __enter__(self) -> RssSampler:
        self._sample()
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        self._thread.join(2)
        self._sample()

    @property
    def peak_mb(self) -> dict[str, float]:
        return {name: round(value / 2**20, 1) for name, value in self.peak.items()}

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            self._sample()

    def _sample(self) -> None:
        for name, pid in self.pids.items():
            self.peak[name] = max(self.peak[name], tree_rss(pid, children=self.children))


def tree_rss(pid: int, *, children: bool = False) -> int:
    """RSS in bytes of a process, with its children if asked (0 if it is gone)."""
    try:
        proc = psutil.Process(pid)
        total = proc.memory_info().rss
        for child in proc.children(recursive=True) if children else []:
            try:
                total += child.memory_info().rss
            except psutil.Error:
                pass
        return int(total)
    except psutil.Error:
        return 0


class Stopwatch:
    """`with Stopwatch() as sw: ...; sw.seconds`."""

    def __enter__(self) -> Stopwatch:
        self.started = time.perf_counter()
        self.seconds = 0.0
        return self

    def __exit__(self, *exc: Any) -> None:
        self.seconds = time.perf_counter() - self.started


async def drive(streams: int, per_stream: int,
                command: Callable[[int, int], Awaitable[None]]) -> tuple[float, list[float]]:
    """Run `command(stream_index, n)` per_stream times on each of `streams` concurrent workers.

    Returns the wall time in seconds and every command's latency in seconds.
    """
    latencies: list[float] = []

    async def worker(s: int) -> None:
        for n in range(per_stream):
            started = time.perf_counter()
            await command(s, n)
            latencies.append(time.perf_counter() - started)

    with Stopwatch() as sw:
        await asyncio.gather(*(worker(s) for s in range(streams)))
    return sw.seconds, latencies


async def paced(count: int, per_second: float, command: Callable[[int], Awaitable[None]]) -> None:
    """Start `command(i)` at i / per_second seconds (open loop: a slow one delays no other)."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    tasks = []
    for i in range(count):
        delay = start + i / per_second - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(command(i)))
    await asyncio.gather(*tasks)


def run_alone(run: Callable[[str, str, str], Awaitable[dict[str, Any]]], description: str,
              argv: Sequence[str] | None = None) -> int:
    """`python -m bench.scenarios.<name> [--size …] [--home …]`: run one scenario and print its JSON.

    The same infrastructure as the harness (LOANFLOW_DATABASE_URL or an embedded PostgreSQL, a
    broker of its own), without writing a results file.
    """
    import argparse
    import json
    from pathlib import Path

    from bench.harness import infrastructure

    parser = argparse.ArgumentParser(description=description.splitlines()[0])
    parser.add_argument("--size", choices=("tiny", "default", "large"), default="tiny")
    parser.add_argument("--home", type=Path, default=Path(".loanflow"))
    args = parser.parse_args(argv)
    with infrastructure(args.home) as (pg_url, bootstrap, _):
        result = asyncio.run(run(pg_url, bootstrap, args.size))
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0
