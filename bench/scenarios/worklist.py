"""One collector's long list: the pages a collector opens all day with every case of the book in their queue
(default 200, large 1,000), beside the same pages' API calls alone.

The four services and the workbench run as `loanflow serve` runs them (each under uvicorn in a process of
its own); the roster gives every stage to one collector, and a book of loans that never pay opens one case
each. One signed-in session opens, in turn: `/queue`, `/queue` on a to-do list sorted by a column
(`todo=never_contacted&sort=-amount`), `/queue.csv` (the whole list as a file) and a case page. Baseline: the
API calls those pages make (the workbench's own loaders `load_queue` and `load_case`, through its API
client, with the same token), without rendering. The ratio is page p95 ÷ API p95: what filtering, sorting,
counting the to-do lists, finding the next case of the list and rendering add at that length of list.
"""

from __future__ import annotations

import asyncio
import json
import random
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx

from bench.scenarios._processes import Server, service_env
from bench.scenarios.workbench import p95, settle
from bench.support import RssSampler, pick, ratio, run_alone, unique
from loanflow.client import LoanflowClient, wait_for
from loanflow.stories import first_due
from loanflow.world import World
from services.workbench.adapters.api import Api, ApiCaller
from services.workbench.entrypoints.web.routes.cases import load_case
from services.workbench.entrypoints.web.routes.queue import load_queue
from shared.auth import TokenIssuer
from shared.config import SERVICES, with_database
from shared.db import drop_database

ONE = "collector-f1"
QUEUE_CAP = 2000  # the workbench's default queue_fetch_limit
PAGES = {"queue": "/queue", "queue_todo_sorted": "/queue?todo=never_contacted&sort=-amount",
         "queue_csv": "/queue.csv"}
TARGETS = {"queue_page_vs_api_p95": {"max": 1.3}, "case_page_vs_api_p95": {"max": 1.3}}


async def build_list(urls: dict[str, str], secret: str, loans: int) -> None:
    """`loans` loans that never pay, past their first due date: one open case each, all in ONE's queue."""
    client = LoanflowClient(urls, secret)
    try:
        world = World(client, await client.add_partner("bench-bank"), seed=9)
        rnd, sem = random.Random(9), asyncio.Semaphore(8)

        async def one(n: int) -> None:
            async with sem:
                await world.originate(f"w{n:04d}", amount=f"{rnd.randrange(20, 600) * 100}.00", n=100 + n,
                                      behaviour="never", term_months=rnd.choice([6, 12, 24]))

        await asyncio.gather(*(one(n) for n in range(loans)))
        await world.await_schedules(timeout=300)
        await world.advance_to(await first_due(world) + timedelta(days=3))
    finally:
        await client.close()


async def whole_queue(caller: ApiCaller) -> list[Any]:
    items, _ = await caller.all_pages("collections", "/queue", QUEUE_CAP)
    return items


async def run(pg_url: str, kafka_bootstrap: str, size: str) -> dict[str, Any]:
    """Each page's p95 beside its API calls' p95, one collector, sequential requests."""
    loans = pick(size, tiny=12, default=200, large=1000)
    repeats = pick(size, tiny=3, default=20, large=20)
    prefix, secret = unique("wl").replace("_", ""), "bench-" + unique("k")
    home = tempfile.mkdtemp(prefix="bench-worklist-")
    roster = {"front": [ONE], "mid": [ONE], "back": [ONE], "legal": ["legal-1"], "agency": ["agency-desk"],
              "fraud": ["fraud-1"], "deceased": ["special-1"], "estate": ["special-1"]}
    env = service_env(pg_url, kafka_bootstrap, prefix, secret, home, "2026-03-01") | {
        "LOANFLOW_TOPIC_PARTITIONS": "3", "LOANFLOW_COLLECTIONS_ROSTER": json.dumps(roster)}
    servers = {s: Server(s, env, Path(home, f"{s}.log")) for s in SERVICES}
    pages: dict[str, list[float]] = {name: [] for name in (*PAGES, "case")}
    api_took: dict[str, list[float]] = {"queue": [], "case": []}
    try:
        for server in servers.values():
            await server.start("/readyz")
        urls = {s: server.url for s, server in servers.items()}
        workbench = servers["workbench"] = Server("workbench", env | {
            f"LOANFLOW_{s.upper()}_URL": u for s, u in urls.items()}, Path(home, "workbench.log"))
        await workbench.start("/readyz")
        await build_list(urls, secret, loans)
        api = Api(urls, timeout=60)
        caller = api.for_token(TokenIssuer(secret).issue(ONE, ["collector"], ttl_seconds=3600))

        async def opened() -> list[Any] | None:
            items = await whole_queue(caller)
            return items if len(items) >= loans else None

        cases = [c["case_id"] for c in await wait_for(opened, f"{loans} cases in one queue", timeout=300)]
        session = httpx.AsyncClient(base_url=workbench.url, timeout=60)
        try:
            with RssSampler({s: server.proc.pid for s, server in servers.items()}) as rss:
                await settle([server.proc.pid for server in servers.values()])
                signed = await session.get("/dev-login", params={"user": ONE, "role": "collector"},
                                           follow_redirects=True)
                if signed.status_code != 200:
                    raise AssertionError(f"sign-in: {signed.status_code}")
                for n in range(repeats + 1):  # the first round warms up (templates, pools) and is not kept
                    case_id = cases[(n * 37) % len(cases)]
                    for name, path in (*PAGES.items(), ("case", f"/cases/{case_id}")):
                        started = time.perf_counter()
                        answer = await session.get(path)
                        if n:
                            pages[name].append(time.perf_counter() - started)
                        if answer.status_code != 200:
                            raise AssertionError(f"{path}: {answer.status_code} {answer.text[:200]}")
                    started = time.perf_counter()
                    await load_queue(caller, QUEUE_CAP)
                    if n:
                        api_took["queue"].append(time.perf_counter() - started)
                    started = time.perf_counter()
                    await load_case(caller, case_id, ONE)
                    if n:
                        api_took["case"].append(time.perf_counter() - started)
        finally:
            await session.aclose()
            await api.aclose()
    finally:
        for server in servers.values():
            server.stop()
        for service in SERVICES:
            await drop_database(with_database(pg_url, f"{prefix}_{service}"))
    figures = {f"{name}_page": p95(samples) for name, samples in pages.items()}
    baseline = {f"{kind}_api_calls": p95(samples) for kind, samples in api_took.items()}
    queue_api = baseline["queue_api_calls"]["p95_ms"]
    return {
        "scenario": "worklist", "figures": figures, "baseline": baseline,
        "ratios": {"queue_page_vs_api_p95": ratio(figures["queue_page"]["p95_ms"], queue_api),
                   "queue_todo_sorted_page_vs_api_p95": ratio(figures["queue_todo_sorted_page"]["p95_ms"], queue_api),
                   "queue_csv_vs_api_p95": ratio(figures["queue_csv_page"]["p95_ms"], queue_api),
                   "case_page_vs_api_p95": ratio(figures["case_page"]["p95_ms"],
                                                 baseline["case_api_calls"]["p95_ms"])},
        "targets": TARGETS, "peak_rss_mb": {f"{k}_process": v for k, v in rss.peak_mb.items()},
        "notes": f"one collector holding all {len(cases)} open cases of a book of {loans} never-paying loans; "
                 f"{repeats} rounds of /queue, /queue?todo=never_contacted&sort=-amount, /queue.csv and a case "
                 "page (one session, one request at a time) beside load_queue and load_case with the same "
                 "token; a warm-up round first, not kept.",
    }


if __name__ == "__main__":
    sys.exit(run_alone(run, __doc__ or "worklist"))
