"""Workbench pages: p95 of `/queue` and `/cases/{id}` beside the same pages' API calls alone.

The four services and the workbench run as `loanflow serve` runs them, each under uvicorn in a
process of its own, on a book built as `loanflow demo` builds its portfolio (loans through three
reviews, 70 % paying on time, 20 % late, 10 % never; the business date advanced past the first
due date, so front-end cases open and the roster's five front collectors share them).
Fifty signed-in users (sessions from `/dev-login`, ten per collector) each open their queue and
then their cases, concurrently. Baseline: the exact API calls each page makes (the workbench's
own loaders, `load_queue` and `load_case`, through its own pooled API client) with the same
users' tokens at the same concurrency, without rendering HTML. Rounds alternate which side goes
first; the ratio is page p95 ÷ API p95 per page (target ≤ 1.3: the page adds at most 30 %).
"""

from __future__ import annotations

import asyncio
import json
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import psutil

from bench.scenarios._processes import Server, service_env
from bench.support import RssSampler, latency_ms, pick, ratio, run_alone, unique
from loanflow.client import LoanflowClient, wait_for
from loanflow.stories import first_due
from loanflow.world import World
from services.workbench.adapters.api import Api
from services.workbench.entrypoints.web.routes.cases import load_case
from services.workbench.entrypoints.web.routes.queue import load_queue
from shared.auth import TokenIssuer
from shared.config import SERVICES, with_database
from shared.db import drop_database

USERS = 50
COLLECTORS = [f"collector-f{n}" for n in range(1, 6)]
QUEUE_CAP = 2000  # the workbench's default queue_fetch_limit
TARGETS = {"queue_page_vs_api_p95": {"max": 1.3}, "case_page_vs_api_p95": {"max": 1.3}}


def p95(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {**latency_ms(ordered), "p95_ms": round(ordered[round(0.95 * (len(ordered) - 1))] * 1000, 3)}


async def build_book(urls: dict[str, str], secret: str, loans: int) -> dict[str, list[str]]:
    """The demo's portfolio mix; returns each collector's open case ids once day-close has opened them."""
    client = LoanflowClient(urls, secret)
    try:
        world = World(client, await client.add_partner("bench-bank"), seed=7)
        rnd, sem = random.Random(7), asyncio.Semaphore(8)

        async def one(n: int) -> None:
            behaviour = rnd.choices(["on_time", "late", "never"], weights=[70, 20, 10])[0]
            amount = f"{rnd.randrange(20, 600) * 100}.00"
            term, rate_, method = (rnd.choice([6, 12, 24]), rnd.choice(["0.10", "0.12", "0.18"]),
                                   rnd.choice(["equal_installment", "equal_principal", "interest_only"]))
            async with sem:
                await world.originate(f"p{n:04d}", amount=amount, n=100 + n, behaviour=behaviour,  # type: ignore[arg-type]
                                      term_months=term, rate=rate_, method=method)

        await asyncio.gather(*(one(n) for n in range(loans)))
        await world.await_schedules(timeout=120)
        d1 = await first_due(world)
        await world.advance_to(d1 + timedelta(days=3))
        unpaid = sum(1 for loan in world.loans.values() if loan.behaviour != "on_time")
        if not unpaid:
            raise ValueError(f"a book of {loans} loans where every borrower pays on time opens no case")

        async def opened() -> dict[str, list[str]] | None:
            found: dict[str, list[str]] = {}
            for who in COLLECTORS:
                page = await client.get("collections", "/v1/queue", (who, "collector"), params={"limit": 500})
                found[who] = [c["case_id"] for c in page["items"]]
            return found if sum(map(len, found.values())) >= unpaid else None

        book: dict[str, list[str]] = await wait_for(opened, "a case for every unpaid loan", timeout=120)
        return book
    finally:
        await client.close()


async def settle(pids: list[int], idle_percent: float = 15.0, timeout: float = 120.0) -> float:
    """Wait until the services have digested the book (the consumers behind the last day-close: all
    processes together under `idle_percent` of one core for a second), so no round pays for it."""
    procs = [psutil.Process(pid) for pid in pids]
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        before = sum(p.cpu_times().user + p.cpu_times().system for p in procs)
        await asyncio.sleep(1.0)
        if (sum(p.cpu_times().user + p.cpu_times().system for p in procs) - before) * 100 < idle_percent:
            break
    return round(time.monotonic() - started, 1)


async def pages(url: str, users: list[str], book: dict[str, list[str]], per_user: int) -> dict[str, list[float]]:
    """Every user opens /queue `per_user` times, then `per_user` of their cases; latencies by page."""
    took: dict[str, list[float]] = {"queue": [], "case": []}
    # a browser's connection: idle ones are dropped before uvicorn's 5 s keep-alive closes them from its side
    clients = [httpx.AsyncClient(base_url=url, timeout=60, limits=httpx.Limits(keepalive_expiry=2.0))
               for _ in users]

    async def sign_in(client: httpx.AsyncClient, who: str) -> None:
        r = await client.get("/dev-login", params={"user": who, "role": "collector", "lang": "zh"},
                             follow_redirects=True)
        if r.status_code != 200 or "/queue" not in str(r.url):
            raise AssertionError(f"{who} could not sign in: {r.status_code} {r.url}")

    try:
        await asyncio.gather(*(sign_in(client, who) for client, who in zip(clients, users, strict=True)))

        async def user(n: int, kind: str) -> None:
            mine = book[users[n]]
            for k in range(per_user):
                path = "/queue" if kind == "queue" else f"/cases/{mine[(n + k) % len(mine)]}"
                started = time.perf_counter()
                r = await clients[n].get(path)
                took[kind].append(time.perf_counter() - started)
                if r.status_code != 200 or "<html" not in r.text[:200]:
                    raise AssertionError(f"{path} as {users[n]}: {r.status_code} {r.text[:200]}")

        for kind in ("queue", "case"):
            await asyncio.gather(*(user(n, kind) for n in range(len(users))))
    finally:
        await asyncio.gather(*(c.aclose() for c in clients))
    return took


async def api_calls(api: Api, tokens: list[str], users: list[str], book: dict[str, list[str]],
                    per_user: int) -> dict[str, list[float]]:
    """The same users make the same pages' API calls (the workbench's loaders), no HTML."""
    took: dict[str, list[float]] = {"queue": [], "case": []}

    async def user(n: int, kind: str) -> None:
        caller, mine = api.for_token(tokens[n]), book[users[n]]
        for k in range(per_user):
            started = time.perf_counter()
            if kind == "queue":
                await load_queue(caller, QUEUE_CAP)
            else:
                await load_case(caller, mine[(n + k) % len(mine)], users[n])
            took[kind].append(time.perf_counter() - started)

    for kind in ("queue", "case"):
        await asyncio.gather(*(user(n, kind) for n in range(len(users))))
    return took


async def run(pg_url: str, kafka_bootstrap: str, size: str) -> dict[str, Any]:
    """Page p95 beside API-call p95, per page, same users, same concurrency, alternating rounds."""
    loans = pick(size, tiny=20, default=300, large=1000)
    per_user = pick(size, tiny=1, default=6, large=20)
    rounds = pick(size, tiny=2, default=4, large=6)
    users = pick(size, tiny=10, default=USERS, large=USERS)
    prefix, secret = unique("wb").replace("_", ""), "bench-" + unique("k")
    home = tempfile.mkdtemp(prefix="bench-workbench-")
    env = service_env(pg_url, kafka_bootstrap, prefix, secret, home, "2026-03-01") | {
        "LOANFLOW_TOPIC_PARTITIONS": "3",
        "LOANFLOW_COLLECTIONS_ROSTER": json.dumps({"front": COLLECTORS, "mid": ["collector-m1"],
                                                   "back": ["collector-b1"], "legal": ["legal-1"],
                                                   "agency": ["agency-desk"], "fraud": ["fraud-1"],
                                                   "deceased": ["special-1"], "estate": ["special-1"]})}
    servers = {s: Server(s, env, Path(home, f"{s}.log")) for s in SERVICES}
    try:
        for server in servers.values():
            await server.start("/readyz")
        urls = {s: server.url for s, server in servers.items()}
        # every round signs fifty sessions in from one address: the sign-in limits must not bite here
        unlimited = {f"LOANFLOW_WORKBENCH_{k}": "1000000" for k in
                     ("SIGNIN_PER_MINUTE", "SIGNIN_BURST", "SIGNIN_IP_PER_MINUTE", "SIGNIN_IP_BURST")}
        workbench = servers["workbench"] = Server("workbench", env | unlimited | {
            f"LOANFLOW_{s.upper()}_URL": u for s, u in urls.items()}, Path(home, "workbench.log"))
        await workbench.start("/readyz")
        book = await build_book(urls, secret, loans)
        # ten users per collector (the tiny size: two), each with a session of their own
        signed_in = [who for who in COLLECTORS if book[who]]
        people = [signed_in[n % len(signed_in)] for n in range(users)]
        issuer = TokenIssuer(secret)
        tokens = [issuer.issue(who, ["collector"], ttl_seconds=3600) for who in people]
        # the workbench's own client settings (adapters/api.py), as its process uses them
        api = Api(urls, timeout=60)
        results: dict[str, list[dict[str, list[float]]]] = {"pages": [], "api": []}
        try:
            with RssSampler({s: server.proc.pid for s, server in servers.items()}) as rss:
                await settle([server.proc.pid for server in servers.values()])
                await pages(workbench.url, people, book, 1)  # warm-up: templates compiled, pools filled
                await api_calls(api, tokens, people, book, 1)
                for r in range(rounds):
                    for side in ("pages", "api") if r % 2 == 0 else ("api", "pages"):
                        if side == "pages":
                            results[side].append(await pages(workbench.url, people, book, per_user))
                        else:
                            results[side].append(await api_calls(api, tokens, people, book, per_user))
        finally:
            await api.aclose()
    finally:
        for server in servers.values():
            server.stop()
        for service in SERVICES:
            await drop_database(with_database(pg_url, f"{prefix}_{service}"))
    figures = {f"{kind}_page": p95([x for rnd in results["pages"] for x in rnd[kind]]) for kind in ("queue", "case")}
    baseline = {f"{kind}_api_calls": p95([x for rnd in results["api"] for x in rnd[kind]])
                for kind in ("queue", "case")}
    per_round = {f"{kind}_page_vs_api_p95_rounds": [
        ratio(p95(pg[kind])["p95_ms"], p95(ap[kind])["p95_ms"]) for pg, ap in zip(results["pages"], results["api"],
                                                                                strict=True)]
        for kind in ("queue", "case")}
    cases = [len(book[who]) for who in signed_in]
    return {
        "scenario": "workbench", "figures": figures, "baseline": baseline,
        "ratios": {f"{kind}_page_vs_api_p95": ratio(figures[f"{kind}_page"]["p95_ms"],
                                                   baseline[f"{kind}_api_calls"]["p95_ms"])
                   for kind in ("queue", "case")},
        "targets": TARGETS, "peak_rss_mb": {f"{k}_process": v for k, v in rss.peak_mb.items()},
        "rounds": per_round,
        "notes": f"{users} signed-in users ({len(signed_in)} collectors, {statistics.median(cases):.0f} open cases "
                 f"each, median) over a book of {loans} loans; each user opens /queue {per_user} times then "
                 f"{per_user} of their cases, all users at once; {rounds} alternating rounds (pages, API calls). "
                 "Baseline: the pages' own loaders (load_queue, load_case) through the workbench's API client "
                 "in the harness process with the same tokens; the page figures include the workbench's "
                 "session check, rendering and the HTML transfer.",
    }


if __name__ == "__main__":
    sys.exit(run_alone(run, __doc__ or "workbench"))
