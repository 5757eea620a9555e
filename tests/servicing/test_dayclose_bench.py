"""The day-close benchmark runs at its tiny size and reports what it did."""

from __future__ import annotations

from bench.scenarios import dayclose


async def test_tiny_dayclose_bench_closes_one_day_over_the_seeded_book(pg_url):
    result = await dayclose.run(pg_url, None, "tiny")
    figures = result["figures"]
    assert result["scenario"] == "dayclose" and figures["loans"] == 300
    # due days spread over 1..30: 10 loans miss (missed + 罚息), 10 are reminded, plus the day.closed event
    assert (figures["loans_with_events"], figures["events"], figures["outbox_rows"]) == (20, 31, 31)
    assert result["baseline"]["bare_sql_rows"] == 20
    assert result["ratios"]["dayclose_vs_bare_sql"] > 0
