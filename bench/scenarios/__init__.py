"""Benchmark scenarios: each module exposes `async def run(pg_url, kafka_bootstrap, size) -> dict`.

The dict: `{"scenario", "figures": {...}, "baseline": {...}, "ratios": {...}, "notes"?: str}`.
Modules whose name starts with `_` are helpers, not scenarios.
"""
