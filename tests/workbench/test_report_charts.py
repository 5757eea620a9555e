"""The reports page's charts and date logic (pure: no services, no I/O)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date
from decimal import Decimal

from services.workbench.domain.reports import (
    Period,
    bucket_bars,
    bucket_rows,
    change_direction,
    month_ends_before,
    npl_points,
    ranked,
)
from services.workbench.domain.svg import Datum, bar_chart, line_chart, scale

SVG = "{http://www.w3.org/2000/svg}"


def parse(markup: str) -> ET.Element:
    return ET.fromstring(markup)  # well-formed XML, or this raises


def test_bars_are_proportional_to_the_values_and_carry_their_captions():
    svg = parse(bar_chart([Datum("当前", Decimal("300"), "¥300.00"), Datum("1–30", Decimal("150"), "¥150.00"),
                           Datum("180+", Decimal("0"), "¥0.00")], "DPD"))
    rects = svg.findall(f"{SVG}rect")
    heights = [float(r.get("height")) for r in rects]
    assert len(rects) == 3 and heights[0] == 2 * heights[1] and heights[2] == 0
    bottoms = {round(float(r.get("y")) + float(r.get("height")), 1) for r in rects}
    assert len(bottoms) == 1, "every bar stands on the same axis"
    texts = [t.text for t in svg.iter(f"{SVG}text")]
    assert {"¥300.00", "¥150.00", "¥0.00", "当前", "1–30", "180+"} <= set(texts)
    assert svg.get("role") == "img" and svg.find(f"{SVG}title").text == "DPD"


def test_the_line_goes_through_the_points_in_order_higher_value_higher_on_the_page():
    svg = parse(line_chart([Datum("1月", Decimal("0.0521"), "5.21%"), Datum("2月", Decimal("0.0414"), "4.14%"),
                            Datum("3月", Decimal("0"), "0.00%")], "NPL"))
    points = [tuple(map(float, p.split(","))) for p in svg.find(f"{SVG}polyline").get("points").split()]
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    assert xs == sorted(xs) and len(points) == 3
    assert ys[0] < ys[1] < ys[2], "SVG y grows downwards: the highest ratio is nearest the top"
    assert len(svg.findall(f"{SVG}circle")) == 3


def test_text_is_escaped_and_an_empty_chart_says_so():
    svg = bar_chart([Datum("<script>", Decimal("1"), "a & b")], 'say "hi"')
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "a &amp; b" in svg
    parse(svg)
    empty = parse(line_chart([], "NPL", "还没有贷款"))
    assert [t.text for t in empty.iter(f"{SVG}text")] == ["还没有贷款"]
    assert empty.find(f"{SVG}polyline") is None


def test_an_all_zero_or_negative_series_does_not_divide_by_zero():
    assert scale([Decimal(0), Decimal("-2")]) == 1
    svg = bar_chart([Datum("a", Decimal("-5"), "-5"), Datum("b", Decimal(0), "0")], "t")
    assert all(float(h) == 0 for h in re.findall(r'height="([\d.]+)"', svg))


def test_month_ends_before_a_date_oldest_first_across_a_year():
    assert month_ends_before(date(2026, 3, 10), 4) == [date(2025, 11, 30), date(2025, 12, 31), date(2026, 1, 31),
                                                       date(2026, 2, 28)]
    assert month_ends_before(date(1, 3, 5), 6) == [date(1, 2, 28)], "no month end before year 1's February"


def test_period_defaults_to_the_as_of_month_and_drops_nonsense():
    assert Period.from_query({"as_of": "2026-04-30", "from": "junk", "to": ""}) == Period(date(2026, 4, 30))
    assert Period().collections_params(date(2026, 4, 17)) == {"from": "2026-04-01", "to": "2026-04-17"}
    asked = Period(start=date(2026, 3, 1), end=date(2026, 3, 31))
    assert asked.collections_params(date(2026, 4, 17)) == {"from": "2026-03-01", "to": "2026-03-31"}
    backwards = Period(start=date(2026, 5, 1), end=date(2026, 3, 31))
    assert backwards.collections_params(None) == {"from": "2026-03-01", "to": "2026-03-31"}
    assert Period.from_query({"as_of": "0001-01-15"}).as_of is None, "no previous month end: reporting says 422"


def test_npl_points_skip_refused_months_and_books_with_nothing_outstanding():
    reports = [{"as_of": "2026-01-31", "npl": {"ratio": None}}, RuntimeError("refused"),
               {"as_of": "2026-02-28", "npl": {"ratio": "0.0521"}}, {"as_of": "2026-03-15", "npl": {"ratio": "0.0414"}}]
    points = npl_points(reports, lambda r: f"{r * 100:.2f}%", lambda d: d.isoformat())
    assert [(p.label, p.value, p.caption) for p in points] == [
        ("2026-02-28", Decimal("0.0521"), "5.21%"), ("2026-03-15", Decimal("0.0414"), "4.14%")]


def test_buckets_in_order_with_shares_of_the_outstanding():
    report = {"outstanding_principal": "1000.00",
              "by_bucket": {"180+": {"count": 1, "balance": "250.00"}, "current": {"count": 3, "balance": "750.00"}}}
    rows = bucket_rows(report)
    assert [r.bucket for r in rows] == ["current", "1-30", "31-60", "61-90", "91-180", "180+"]
    assert (rows[0].count, rows[0].share, rows[5].share, rows[1].share) == (3, Decimal("0.75"), Decimal("0.25"), 0)
    assert bucket_rows({"outstanding_principal": "0.00", "by_bucket": {}})[0].share is None
    bars = bucket_bars(report, str, str.upper)
    assert [(b.label, b.value) for b in bars][::5] == [("CURRENT", Decimal("750.00")), ("180+", Decimal("250.00"))]


def test_collectors_most_recovered_first_and_the_direction_of_a_change():
    rows = {"b": {"recovered": "10.00"}, "a": {"recovered": "10.00"}, "c": {"recovered": "99.50"}, "d": {}}
    assert [name for name, _ in ranked(rows)] == ["c", "a", "b", "d"]
    assert (change_direction("0.0107"), change_direction("-0.0107"), change_direction("0.0000"),
            change_direction(None)) == ("up", "down", "flat", "flat")
