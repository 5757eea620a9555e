"""The harness' arithmetic and checks, without any infrastructure."""

from __future__ import annotations

import os

import pytest

from bench.harness import summary, validate
from bench.report import check_target
from bench.support import RssSampler, latency_ms, pick, rate, ratio


def test_percentiles_of_a_hundred_latencies_pick_the_50th_and_99th():
    samples = [n / 1000 for n in range(1, 101)]  # 1 ms .. 100 ms
    figures = latency_ms(samples)
    assert figures["p50_ms"] == pytest.approx(51.0)
    assert figures["p99_ms"] == pytest.approx(99.0)
    assert figures["max_ms"] == pytest.approx(100.0)


def test_rates_and_ratios_never_divide_by_zero():
    assert rate(1000, 2.0) == 500.0
    assert rate(10, 0.0) == 0.0
    assert ratio(350.0, 500.0) == 0.7
    assert ratio(1.0, 0.0) == 0.0


def test_sizes_are_only_tiny_default_and_large():
    assert pick("tiny", tiny=1, default=2, large=3) == 1
    with pytest.raises(ValueError):
        pick("huge", tiny=1, default=2, large=3)


def test_a_number_target_is_a_minimum_and_a_max_target_a_ceiling():
    result = {"ratios": {"relay_vs_raw_producer": 0.65},
              "figures": {"propagation_200": {"p99_ms": 180.0}}}
    assert check_target(result, "relay_vs_raw_producer", 0.7) == (0.65, False)
    assert check_target(result, "figures.propagation_200.p99_ms", {"max": 250}) == (180.0, True)
    assert check_target(result, "figures.missing.p99_ms", {"max": 250}) == (None, None)


def test_a_result_without_baselines_or_with_a_zero_ratio_is_malformed():
    assert validate({"scenario": "x", "figures": {"a": {"events_per_s": 1}}, "baseline": {}, "ratios": {"r": 0}})
    assert validate({"scenario": "x", "figures": {"a": 1}, "baseline": {"b": 1}, "ratios": {"r": 1.2}}) == []


def test_the_summary_lists_missed_targets_and_errors():
    run = {"scenarios": {
        "relay": {"ratios": {"relay_vs_raw_producer": 0.65}, "targets": {"relay_vs_raw_producer": 0.7}},
        "append": {"ratios": {"append_vs_raw_insert_single_8_streams": 0.9},
                   "targets": {"append_vs_raw_insert_single_8_streams": 0.5}},
        "broken": {"error": "boom"}}}
    result = summary(run)
    assert [m["target"] for m in result["targets_missed"]] == ["relay_vs_raw_producer"]
    assert [m["target"] for m in result["targets_met"]] == ["append_vs_raw_insert_single_8_streams"]
    assert result["errors"] == ["broken"]


def test_the_rss_sampler_sees_this_process():
    with RssSampler({"me": os.getpid()}, interval=0.01) as sampler:
        _ = bytearray(8 * 2**20)
    assert sampler.peak_mb["me"] > 8
