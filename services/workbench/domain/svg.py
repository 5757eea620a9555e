"""Charts as server-rendered SVG (pure: text in, markup out; no JavaScript, no I/O).

`bar_chart` draws one bar per labelled value (the DPD buckets), `line_chart` one line through
points in order (the NPL ratio at month ends). Values are Decimals; labels and the values'
captions come already formatted (per locale) from the caller, and every piece of text is
escaped here. Each chart carries `role="img"` and a `<title>` so a screen reader names it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from html import escape

WIDTH = 560
HEIGHT = 220
PAD_TOP, PAD_BOTTOM, PAD_LEFT, PAD_RIGHT = 24, 38, 12, 12


@dataclass(frozen=True)
class Datum:
    """One bar or point: its axis label, its value and the value as the reader should read it."""

    label: str
    value: Decimal
    caption: str = ""


def _num(x: float) -> str:
    """A coordinate with at most one decimal ("12", "12.5")."""
    text = f"{x:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _text(x: float, y: float, content: str, css: str, anchor: str = "middle") -> str:
    return (f'<text x="{_num(x)}" y="{_num(y)}" text-anchor="{anchor}" class="{css}">'
            f"{escape(content)}</text>")


def _open(title: str, css: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" class="chart {css}" '
            f'role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>')


def scale(values: Sequence[Decimal]) -> Decimal:
    """The top of the value axis: the largest value, or 1 when all are zero or negative (no division by 0)."""
    top = max((v for v in values), default=Decimal(0))
    return top if top > 0 else Decimal(1)


def bar_chart(data: Sequence[Datum], title: str, empty: str = "") -> str:
    """Vertical bars, one per datum, heights proportional to the value (negatives drawn as 0)."""
    if not data:
        return _open(title, "bars") + _text(WIDTH / 2, HEIGHT / 2, empty, "empty") + "</svg>"
    plot_h = HEIGHT - PAD_TOP - PAD_BOTTOM
    slot = (WIDTH - PAD_LEFT - PAD_RIGHT) / len(data)
    bar_w = slot * 0.62
    top = scale([d.value for d in data])
    parts = [_open(title, "bars"),
             f'<line x1="{PAD_LEFT}" y1="{HEIGHT - PAD_BOTTOM}" x2="{WIDTH - PAD_RIGHT}" '
             f'y2="{HEIGHT - PAD_BOTTOM}" class="axis"/>']
    for i, d in enumerate(data):
        h = float(max(d.value, Decimal(0)) / top) * plot_h
        x = PAD_LEFT + i * slot + (slot - bar_w) / 2
        y = HEIGHT - PAD_BOTTOM - h
        parts.append(f'<rect x="{_num(x)}" y="{_num(y)}" width="{_num(bar_w)}" height="{_num(h)}" '
                     f'class="bar bar-{i}"><title>{escape(d.label)}: {escape(d.caption)}</title></rect>')
        parts.append(_text(x + bar_w / 2, y - 5, d.caption, "value"))
        parts.append(_text(x + bar_w / 2, HEIGHT - PAD_BOTTOM + 16, d.label, "label"))
    return "".join(parts) + "</svg>"


def line_chart(data: Sequence[Datum], title: str, empty: str = "") -> str:
    """A line through the points in order, the value axis from 0 to the largest value; dots with captions."""
    if not data:
        return _open(title, "line") + _text(WIDTH / 2, HEIGHT / 2, empty, "empty") + "</svg>"
    plot_h = HEIGHT - PAD_TOP - PAD_BOTTOM
    inner_w = WIDTH - PAD_LEFT - PAD_RIGHT
    step = inner_w / len(data)
    top = scale([d.value for d in data])
    points = []
    for i, d in enumerate(data):
        x = PAD_LEFT + step * (i + 0.5)
        y = HEIGHT - PAD_BOTTOM - float(max(d.value, Decimal(0)) / top) * plot_h
        points.append((x, y, d))
    parts = [_open(title, "line"),
             f'<line x1="{PAD_LEFT}" y1="{HEIGHT - PAD_BOTTOM}" x2="{WIDTH - PAD_RIGHT}" '
             f'y2="{HEIGHT - PAD_BOTTOM}" class="axis"/>',
             '<polyline class="series" fill="none" points="'
             + " ".join(f"{_num(x)},{_num(y)}" for x, y, _ in points) + '"/>']
    for x, y, d in points:
        parts.append(f'<circle cx="{_num(x)}" cy="{_num(y)}" r="3.5" class="dot">'
                     f"<title>{escape(d.label)}: {escape(d.caption)}</title></circle>")
        parts.append(_text(x, y - 8, d.caption, "value"))
        parts.append(_text(x, HEIGHT - PAD_BOTTOM + 16, d.label, "label"))
    return "".join(parts) + "</svg>"


@dataclass(frozen=True)
class Estimate:
    """A bar with its 95% interval: the series it belongs to, the value, the interval's ends and the caption."""

    series: str
    value: Decimal
    low: Decimal
    high: Decimal
    caption: str = ""


def interval_chart(groups: Sequence[tuple[str, Sequence[Estimate]]], title: str, empty: str = "") -> str:
    """Grouped bars (one group per label, one bar per series in it) each with a whisker from the interval's
    low to its high end; the value axis from 0 to the highest end. A group without estimates keeps its slot."""
    if not any(estimates for _, estimates in groups):
        return _open(title, "bars intervals") + _text(WIDTH / 2, HEIGHT / 2, empty, "empty") + "</svg>"
    plot_h = HEIGHT - PAD_TOP - PAD_BOTTOM
    slot = (WIDTH - PAD_LEFT - PAD_RIGHT) / len(groups)
    top = scale([e.high for _, estimates in groups for e in estimates] + [e.value for _, es in groups for e in es])
    base = HEIGHT - PAD_BOTTOM

    def y_of(value: Decimal) -> float:
        return base - float(max(value, Decimal(0)) / top) * plot_h

    parts = [_open(title, "bars intervals"),
             f'<line x1="{PAD_LEFT}" y1="{base}" x2="{WIDTH - PAD_RIGHT}" y2="{base}" class="axis"/>']
    for g, (label, estimates) in enumerate(groups):
        left = PAD_LEFT + g * slot + slot * 0.12
        bar_w = slot * 0.76 / max(1, len(estimates))
        for i, e in enumerate(estimates):
            x = left + i * bar_w + bar_w * 0.1
            w = bar_w * 0.8
            y = y_of(e.value)
            parts.append(f'<rect x="{_num(x)}" y="{_num(y)}" width="{_num(w)}" height="{_num(base - y)}" '
                         f'class="bar series-{i}"><title>{escape(label)} · {escape(e.series)}: '
                         f"{escape(e.caption)}</title></rect>")
            mid, lo, hi = x + w / 2, y_of(e.low), y_of(e.high)
            parts.append(f'<path d="M{_num(mid)} {_num(lo)}V{_num(hi)}M{_num(mid - 5)} {_num(lo)}h10'
                         f'M{_num(mid - 5)} {_num(hi)}h10" class="whisker"/>')
            parts.append(_text(mid, hi - 5, e.caption, "value"))
        parts.append(_text(PAD_LEFT + g * slot + slot / 2, base + 16, label, "label"))
    return "".join(parts) + "</svg>"
