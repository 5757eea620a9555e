"""Every benchmark scenario runs on the tiny size against real PostgreSQL and a real broker,
and answers well-formed figures beside baselines. No timing is asserted: only shape and sign."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bench import harness
from bench.scenarios import _peer_eventsourcing, append

pytestmark = pytest.mark.integration


def numbers(tree: Any) -> list[tuple[str, float]]:
    """Every numeric leaf of a nested dict, with its dotted path."""
    if isinstance(tree, dict):
        return [(f"{k}.{p}" if p else k, v) for k, sub in tree.items() for p, v in numbers(sub)]
    if isinstance(tree, list):  # repeated runs of one figure
        return [(f"{i}.{p}" if p else str(i), v) for i, sub in enumerate(tree) for p, v in numbers(sub)]
    if isinstance(tree, int | float) and not isinstance(tree, bool):
        return [("", tree)]
    return []


def assert_well_formed(result: dict[str, Any], name: str) -> None:
    assert harness.validate(result) == []
    assert result["scenario"] == name
    for kind in ("figures", "baseline"):
        for figure_name, figure in result[kind].items():
            values = numbers(figure)
            assert values, f"{kind}.{figure_name} holds no numbers"
            assert all(v >= 0 for _, v in values), f"{kind}.{figure_name} has a negative number: {values}"
            assert any(v > 0 for _, v in values), f"{kind}.{figure_name} measured nothing: {values}"
            rates = [(p, v) for p, v in values if p.endswith("_per_s")]
            assert all(v > 0 for _, v in rates), f"{kind}.{figure_name} has a zero rate: {rates}"
    assert all(v > 0 for v in result["ratios"].values())
    json.dumps(result)  # the harness writes it as JSON


@pytest.fixture(scope="module")
def tiny(pg_url, kafka_bootstrap):
    """`await tiny(name)`: the scenario's tiny result, run once per module."""
    done: dict[str, dict[str, Any]] = {}

    async def run(name: str) -> dict[str, Any]:
        if name not in done:
            done[name] = await harness.load(name)(pg_url, kafka_bootstrap, "tiny")
        return done[name]

    return run


@pytest.mark.parametrize("name", harness.discover())
async def test_each_scenario_runs_tiny_and_reports_figures_beside_baselines(name, tiny):
    assert_well_formed(await tiny(name), name)


async def test_append_compares_our_store_with_raw_inserts_and_the_eventsourcing_peer(tiny):
    result = await tiny("append")
    for level in ("single_1_streams", "single_8_streams", "single_64_streams", "batch100_8_streams"):
        ours, raw = result["figures"][f"append_{level}"], result["baseline"][f"raw_insert_{level}"]
        assert ours["events"] == raw["events"] >= ours["streams"]  # the same events, every one stored
        assert f"append_vs_raw_insert_{level}" in result["ratios"]
    if _peer_eventsourcing.unavailable() is None:
        assert "append_vs_eventsourcing_single_8_streams" in result["ratios"]
        assert "append_vs_eventsourcing_single_64_streams" in result["ratios"]
        assert (result["peer"]["eventsourcing_single_64_streams"]["events"]
                == result["figures"]["append_single_64_streams"]["events"])


async def test_append_without_the_eventsourcing_package_records_the_peer_as_skipped(
        pg_url, kafka_bootstrap, monkeypatch):
    monkeypatch.setattr(_peer_eventsourcing, "unavailable", lambda: "eventsourcing is not installed")
    result = await append.run(pg_url, kafka_bootstrap, "tiny")
    assert result["peer"] == {"eventsourcing": {"skipped": "eventsourcing is not installed"}}
    assert not [r for r in result["ratios"] if "eventsourcing" in r]
    assert_well_formed(result, "append")


def test_the_harness_writes_one_result_file_with_machine_info_and_peak_rss(tmp_path, pg_url, monkeypatch):
    monkeypatch.setenv("LOANFLOW_TEST_DATABASE_URL", pg_url)
    monkeypatch.delenv("LOANFLOW_DATABASE_URL", raising=False)
    code = harness.main(["relay", "--size", "tiny", "--out", str(tmp_path / "results"),
                         "--home", str(tmp_path / "home")])
    files = list((tmp_path / "results").glob("*.json"))
    assert code == 0
    assert len(files) == 1
    run = json.loads(files[0].read_text())
    assert run["size"] == "tiny"
    assert run["machine"]["cpu_count"] >= 1
    assert run["machine"]["memory_gb"] > 0
    assert run["machine"]["postgres"]["server_version"]
    assert run["machine"]["python"]
    relay = run["scenarios"]["relay"]
    assert_well_formed(relay, "relay")
    assert relay["peak_rss_mb"]["harness"] > 0
    assert relay["peak_rss_mb"]["broker"] > 0


def test_unknown_scenarios_are_refused_before_anything_starts(tmp_path):
    assert harness.main(["no-such-scenario", "--out", str(tmp_path)]) == 2
    assert not list(tmp_path.glob("*.json"))


async def test_workbench_times_both_pages_beside_the_same_pages_api_calls(tiny):
    result = await tiny("workbench")
    for page in ("queue", "case"):
        ours, api = result["figures"][f"{page}_page"], result["baseline"][f"{page}_api_calls"]
        assert ours["p95_ms"] >= ours["p50_ms"] > 0
        assert api["p95_ms"] >= api["p50_ms"] > 0
        assert result["ratios"][f"{page}_page_vs_api_p95"] == round(ours["p95_ms"] / api["p95_ms"], 3)
        assert result["targets"][f"{page}_page_vs_api_p95"] == {"max": 1.3}
    assert result["peak_rss_mb"]["workbench_process"] > 0
