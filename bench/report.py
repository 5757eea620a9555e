"""The run's table: every figure beside its baseline, then every ratio against its target."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

RATES = ("events_per_s", "requests_per_s", "loans_per_s", "rows_per_s", "commands_per_s")


def check_target(result: dict[str, Any], name: str, target: Any) -> tuple[Any, bool | None]:
    """The value a target applies to (a ratio name or a dotted path) and whether it is met.

    A number is a minimum; `{"max": x}` a maximum; `{"min": x}` a minimum.
    """
    value: Any = result.get("ratios", {}).get(name)
    if value is None:
        value = result
        for part in name.split("."):
            value = value.get(part) if isinstance(value, dict) else None
    if not isinstance(value, int | float):
        return value, None
    bounds = target if isinstance(target, dict) else {"min": target}
    met = True
    if "min" in bounds:
        met = met and value >= bounds["min"]
    if "max" in bounds:
        met = met and value <= bounds["max"]
    return value, met


def _cells(figure: Any) -> list[str]:
    """rate, p50, p99 and the other scalar metrics of a figure."""
    if not isinstance(figure, dict):
        return ["", "", "", str(figure)]
    rate_key = next((k for k in RATES if k in figure), None)
    rate = f"{figure[rate_key]:,} {rate_key.removesuffix('_per_s')}/s" if rate_key else ""
    shown = {rate_key, "p50_ms", "p99_ms", "mean_ms", "max_ms"}
    other = "  ".join(f"{k}={v}" for k, v in figure.items() if k not in shown and not isinstance(v, dict | list))
    return [rate, _num(figure.get("p50_ms")), _num(figure.get("p99_ms")), other]


def _num(value: Any) -> str:
    return "" if value is None else f"{value:,}"


def render(run: dict[str, Any], console: Console | None = None) -> None:
    """Print the figures table and the ratios table of a run."""
    console = console or Console(width=None if Console().is_terminal else 160)
    figures = Table(title=f"loanflow bench — size {run['size']}, {run['started_at']}")
    for column in ("scenario", "kind", "name", "rate", "p50 ms", "p99 ms", "other", "peak RSS MB"):
        figures.add_column(column, justify="right" if column in ("rate", "p50 ms", "p99 ms") else "left")
    ratios = Table(title="ratios (same run)")
    for column in ("scenario", "ratio", "value", "target", "met"):
        ratios.add_column(column)
    for name, result in run["scenarios"].items():
        if "error" in result:
            figures.add_row(name, "[red]error[/red]", "", "", "", "", result["error"][:120], "")
            continue
        rss = ", ".join(f"{k} {v}" for k, v in result.get("peak_rss_mb", {}).items())
        for kind in ("figures", "baseline", "peer"):
            for figure_name, figure in result.get(kind, {}).items():
                figures.add_row(name, kind, figure_name, *_cells(figure), rss)
                rss = ""
        targets = result.get("targets", {})
        for ratio_name, value in result.get("ratios", {}).items():
            target = targets.get(ratio_name)
            _, met = check_target(result, ratio_name, target) if target is not None else (value, None)
            verdict = "" if met is None else ("[green]yes[/green]" if met else "[red]no[/red]")
            ratios.add_row(name, ratio_name, f"{value}", "" if target is None else f"{target}", verdict)
        for target_name, target in targets.items():
            if target_name not in result.get("ratios", {}):
                value, met = check_target(result, target_name, target)
                verdict = "" if met is None else ("[green]yes[/green]" if met else "[red]no[/red]")
                ratios.add_row(name, target_name, f"{value}", f"{target}", verdict)
    console.print(figures)
    console.print(ratios)
