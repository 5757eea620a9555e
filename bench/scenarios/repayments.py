"""Partner repayments: requests/s and latency through HMAC + idempotency + allocation + append.

The real servicing app runs under uvicorn in a process of its own (relay and consumers
included, as `loanflow serve servicing` runs it); loans are disbursed by publishing
`loan.disbursed` on the origination topic, as origination would. A fixed number of clients
post signed repayments with fresh idempotency keys; each client pays its own loans, so no two
requests race on one loan. Baseline: a bare FastAPI endpoint doing one INSERT of the same body,
under the same uvicorn settings, hit by the same clients. Rounds alternate which goes first;
rates are medians over rounds. The peak RSS of both server processes is reported.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import tempfile
import time
import uuid
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

from bench.scenarios._processes import Server, service_env
from bench.support import RssSampler, Stopwatch, fresh_database, latency_ms, pick, rate, ratio, run_alone, unique
from shared.auth import TokenIssuer, sign
from shared.config import with_database
from shared.contracts.origination import Borrower, ContactPerson, LoanDisbursed
from shared.contracts.registry import make_event
from shared.db import connect, drop_database
from shared.kafka import ensure_topics, make_producer

CONCURRENCY = 16
START = date(2026, 3, 1)
TARGETS = {"repayments_vs_bare_endpoint": 0.4}


async def disburse(bootstrap: str, prefix: str, dsn: str, count: int) -> list[str]:
    """`count` loans disbursed through the origination topic; waits until servicing holds them."""
    loans = [f"loan-{uuid.uuid4().hex[:12]}" for _ in range(count)]
    producer = make_producer(bootstrap)
    await producer.start()
    try:
        for loan_id in loans:
            data = LoanDisbursed(
                loan_id=loan_id, application_id=f"app-{loan_id}",
                borrower=Borrower(name="王小明", id_number_masked="110101********1234", phone="13800138000"),
                principal=Decimal("30000.00"), annual_rate=Decimal("0.24"), term_months=12,
                repayment_method="equal_installment", disbursement_date=START, due_day=20, product="credit",
                contacts=[ContactPerson(relation="family", name="王大明", phone="13900139000")],
                disbursed_by="bench")
            event = make_event("origination", data, subject=loan_id, businessdate=START)
            await producer.send(f"{prefix}.origination", value=event.to_json_bytes(), key=loan_id.encode())
        await producer.flush()
    finally:
        await producer.stop()
    conn = await connect(dsn)
    try:
        deadline = time.monotonic() + 120
        while await conn.fetchval("SELECT count(*) FROM loans") < count:
            if time.monotonic() > deadline:
                raise TimeoutError("servicing did not open every disbursed loan within 120 s")
            await asyncio.sleep(0.2)
    finally:
        await conn.close()
    return loans


async def hammer(url: str, partner: dict[str, str], loans: list[str], requests: int) -> tuple[float, list[float]]:
    """`requests` signed repayments from CONCURRENCY clients; every answer must be 201."""
    latencies: list[float] = []
    failures: list[str] = []
    limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)

    async def client_loop(client: httpx.AsyncClient, w: int) -> None:
        mine = loans[w::CONCURRENCY]
        for n in range(requests // CONCURRENCY):
            body = json.dumps({"loan_id": mine[n % len(mine)], "amount": "1.00",
                               "paid_at": "2026-03-10T10:00:00+08:00", "external_ref": uuid.uuid4().hex}).encode()
            headers = {"X-Partner-Id": partner["partner_id"], "Content-Type": "application/json",
                       "X-Signature": sign(partner["secret"], body, int(time.time())),
                       "Idempotency-Key": uuid.uuid4().hex}
            started = time.perf_counter()
            r = await client.post("/v1/repayments", content=body, headers=headers)
            latencies.append(time.perf_counter() - started)
            if r.status_code != 201:
                failures.append(f"{r.status_code} {r.text[:200]}")

    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=60) as client:
        with Stopwatch() as sw:
            await asyncio.gather(*(client_loop(client, w) for w in range(CONCURRENCY)))
    if failures:
        raise AssertionError(f"{len(failures)} repayments failed, e.g. {failures[0]}")
    return sw.seconds, latencies


def summarise(rounds: list[tuple[float, list[float]]]) -> dict[str, Any]:
    rates = [rate(len(lat), seconds) for seconds, lat in rounds]
    return {"requests_per_s": round(statistics.median(rates), 1), "requests_per_s_rounds": rates,
            **latency_ms([x for _, lat in rounds for x in lat]), "requests": sum(len(lat) for _, lat in rounds),
            "concurrency": CONCURRENCY}


async def run(pg_url: str, kafka_bootstrap: str, size: str) -> dict[str, Any]:
    """The servicing app beside the bare endpoint, same clients, same server settings."""
    requests = pick(size, tiny=64, default=3000, large=20000)
    loan_count = pick(size, tiny=CONCURRENCY, default=400, large=2000)
    rounds = pick(size, tiny=2, default=3, large=3)
    prefix, secret = unique("rp").replace("_", ""), uuid.uuid4().hex
    servicing_dsn = with_database(pg_url, f"{prefix}_servicing")
    home = tempfile.mkdtemp(prefix="bench-repayments-")
    await ensure_topics(kafka_bootstrap, [f"{prefix}.origination"], partitions=6)
    env = service_env(pg_url, kafka_bootstrap, prefix, secret, home, START.isoformat())
    # the bench measures the payment path at full speed: the partner's rate limit (still checked) never bites
    servicing = Server("servicing", env | {"LOANFLOW_SERVICING_PARTNER_RATE_PER_SECOND": "1000000",
                                           "LOANFLOW_SERVICING_PARTNER_BURST": "1000000"}, Path(home, "servicing.log"))
    try:
        async with fresh_database(pg_url, "bare", platform_tables=False) as bare_dsn:
            bare = Server("bare", env | {"BENCH_BARE_DSN": bare_dsn}, Path(home, "bare.log"))
            try:
                await servicing.start("/readyz")
                await bare.start("/healthz")
                loans = await disburse(kafka_bootstrap, prefix, servicing_dsn, loan_count)
                admin = {"Authorization": f"Bearer {TokenIssuer(secret).issue('bench', ['admin'])}"}
                async with httpx.AsyncClient(base_url=servicing.url) as client:
                    partner = (await client.post("/v1/partners", json={"name": "bench"}, headers=admin)).json()
                results: dict[str, list[tuple[float, list[float]]]] = {"servicing": [], "bare": []}
                with RssSampler({"servicing": servicing.proc.pid, "bare": bare.proc.pid}) as rss:
                    for r in range(rounds):
                        for side in ("servicing", "bare") if r % 2 == 0 else ("bare", "servicing"):
                            url = servicing.url if side == "servicing" else bare.url
                            results[side].append(await hammer(url, partner, loans, requests))
            finally:
                bare.stop()
    finally:
        servicing.stop()
        await drop_database(servicing_dsn)
    ours, baseline = summarise(results["servicing"]), summarise(results["bare"])
    return {
        "scenario": "repayments",
        "figures": {"repayments": ours}, "baseline": {"bare_endpoint": baseline},
        "ratios": {"repayments_vs_bare_endpoint": ratio(ours["requests_per_s"], baseline["requests_per_s"])},
        "targets": TARGETS, "peak_rss_mb": {f"{k}_process": v for k, v in rss.peak_mb.items()},
        "notes": f"{CONCURRENCY} concurrent httpx clients in the harness process, {loan_count} loans, "
                 f"{requests} requests per round, median of {rounds} alternating rounds; both apps under "
                 "uvicorn with loanflow serve's settings, servicing with its relay and consumers running",
    }


if __name__ == "__main__":
    sys.exit(run_alone(run, __doc__ or "repayments"))
