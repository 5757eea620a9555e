"""Event-store append: events/s and latency of our store beside raw INSERTs and the `eventsourcing` peer.

Single-event commands on 1, 8 and 64 concurrent streams (one transaction per command, as a
service handles a request), then 100-event batches. Every implementation writes the same
events into a fresh database of its own, through a pool of min(streams, 10) connections (the
pool size of a service):
- ours: `PostgresEventStore.append` inside a transaction (events + outbox rows + NOTIFY,
  expected-version check, envelope serialisation);
- baseline: raw asyncpg INSERTs of the identical rows (the same events and outbox rows,
  serialised before the clock starts), same transactions, same concurrency;
- peer: `eventsourcing`'s PostgresApplicationRecorder given the same events (serialised to
  JSON in the command, as ours are; events only, no outbox).
The machine is shared and its load moves, so each level runs in rounds that alternate the
order of the writers; a figure's rate is the median of its rounds, its latencies all rounds'.
"""

from __future__ import annotations

import statistics
import sys
from contextlib import AsyncExitStack
from typing import Any

from bench.scenarios import _peer_eventsourcing as peer
from bench.scenarios._append_impls import EventsourcingPeer, OurStore, RawInsert, Workload
from bench.support import fresh_database, latency_ms, pick, rate, ratio, run_alone

SINGLE_LEVELS = (1, 8, 64)
BATCH_LEVELS = (1, 8)
BATCH = 100
MAX_CONNECTIONS = 10  # a service's pool (ServiceKernel: create_pool(max_size=10))
TARGETS = {"append_vs_raw_insert": 0.5, "append_vs_eventsourcing": 2.0}


async def measure_level(pg_url: str, impls: list[Any], streams: int, per_stream: int, batch: int,
                        rounds: int) -> dict[str, dict[str, Any]]:
    """Each writer on its own fresh database, `rounds` rounds in alternating order."""
    connections = min(streams, MAX_CONNECTIONS)
    runs: dict[str, list[tuple[int, float, list[float]]]] = {impl.label: [] for impl in impls}
    async with AsyncExitStack() as stack:
        for impl in impls:
            dsn = await stack.enter_async_context(fresh_database(pg_url, impl.label,
                                                                 platform_tables=impl.platform_tables))
            await impl.open(dsn, connections)
            stack.push_async_callback(impl.close)
        for r in range(rounds):
            for impl in impls if r % 2 == 0 else impls[::-1]:
                work = Workload(streams, per_stream, batch)
                seconds, latencies = await impl.measure(work)
                runs[impl.label].append((work.total, seconds, latencies))
        for impl in impls:
            expected = sum(total for total, _, _ in runs[impl.label])
            if (found := await impl.stored()) != expected:
                raise AssertionError(f"{impl.label}: expected {expected} events stored, found {found}")
    return {label: figure(done, streams, connections) for label, done in runs.items()}


def figure(rounds: list[tuple[int, float, list[float]]], streams: int, connections: int) -> dict[str, Any]:
    """Median rate over rounds, latency percentiles over every command."""
    rates = [rate(total, seconds) for total, seconds, _ in rounds]
    latencies = [x for _, _, lat in rounds for x in lat]
    commands = sum(len(lat) for _, _, lat in rounds)
    events = sum(total for total, _, _ in rounds)
    return {"events_per_s": round(statistics.median(rates), 1),
            "commands_per_s": round(statistics.median(rates) * commands / events, 1),
            **latency_ms(latencies), "events_per_s_rounds": rates, "events": events, "streams": streams,
            "connections": connections}


async def run(pg_url: str, kafka_bootstrap: str, size: str) -> dict[str, Any]:
    """Measure every level; ratios compare events/s in the same run."""
    commands = pick(size, tiny=16, default=1500, large=8000)  # single-event commands per level per round
    batches = pick(size, tiny=2, default=80, large=400)  # 100-event batches per level per round
    rounds = pick(size, tiny=2, default=3, large=3)
    skipped = peer.unavailable()
    impls: list[Any] = [RawInsert(), OurStore()] + ([EventsourcingPeer()] if skipped is None else [])
    figures: dict[str, Any] = {}
    baseline: dict[str, Any] = {}
    peers: dict[str, Any] = {}
    ratios: dict[str, float] = {}
    plan = [(f"single_{s}_streams", s, max(1, commands // s), 1) for s in SINGLE_LEVELS]
    plan += [(f"batch{BATCH}_{s}_streams", s, max(1, batches // s), BATCH) for s in BATCH_LEVELS]
    for name, streams, per_stream, batch in plan:
        level = await measure_level(pg_url, impls, streams, per_stream, batch, rounds)
        figures[f"append_{name}"] = ours = level["append_ours"]
        baseline[f"raw_insert_{name}"] = level["append_raw"]
        ratios[f"append_vs_raw_insert_{name}"] = ratio(ours["events_per_s"], level["append_raw"]["events_per_s"])
        if "append_peer" in level:
            peers[f"eventsourcing_{name}"] = level["append_peer"]
            if streams >= 8:
                ratios[f"append_vs_eventsourcing_{name}"] = ratio(ours["events_per_s"],
                                                                  level["append_peer"]["events_per_s"])
    return {
        "scenario": "append", "figures": figures, "baseline": baseline, "ratios": ratios,
        "peer": peers if skipped is None else {"eventsourcing": {"skipped": skipped}},
        "targets": {name: TARGETS[key] for name in ratios for key in TARGETS if name.startswith(key)},
        "notes": f"pool of min(streams, {MAX_CONNECTIONS}) connections for every writer; single = one event "
                 f"per transaction; rate = median of {rounds} alternating rounds; the peer writes no outbox rows",
    }


if __name__ == "__main__":
    sys.exit(run_alone(run, __doc__ or "append"))
