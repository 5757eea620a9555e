"""Long-running operator commands: `reporting rebuild`, and delegation to `bench` and `demo`."""

from __future__ import annotations

import asyncio
import importlib
import inspect
import os
import time
from collections.abc import Sequence
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from loanflow.runtime import platform_settings, service_url

err = Console(stderr=True)


def _optional_module(name: str) -> Any | None:
    """Import `name`, or None when that module (not one of its imports) does not exist yet."""
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name is not None and (name == exc.name or name.startswith(exc.name + ".")):
            return None
        raise


def delegate(module_name: str, what: str, argv: Sequence[str]) -> int:
    """Run `module.main(argv)` of another part of the repo (bench/, the demo)."""
    module = _optional_module(module_name)
    if module is None or not hasattr(module, "main"):
        err.print(f"[red]{what} is not available in this checkout ({module_name}.main is missing)[/red]")
        return 2
    result = module.main(list(argv))
    if inspect.iscoroutine(result):
        result = asyncio.run(result)
    return int(result or 0)


class RichProgress:
    """Progress callback for the rebuild: `progress(done, total=None, label=None)` drives a rich bar."""

    def __init__(self, progress: Progress) -> None:
        self._progress = progress
        self._task = progress.add_task("rebuild", total=None)

    def __call__(self, done: int, total: int | None = None, label: str | None = None, **_: Any) -> None:
        update: dict[str, Any] = {"completed": done}
        if total is not None:
            update["total"] = total
        if label:
            update["description"] = label
        self._progress.update(self._task, **update)


def _reporting_settings() -> Any:
    """ReportingSettings, with the event-export URLs of the running system unless configured."""
    for service in ("origination", "servicing", "collections"):
        os.environ.setdefault(f"LOANFLOW_REPORTING_{service.upper()}_URL", service_url(service))
    config = importlib.import_module("services.reporting.config")
    for value in vars(config).values():
        if isinstance(value, type) and value.__module__ == config.__name__ and value.__name__.endswith("Settings"):
            return value()
    raise RuntimeError("services.reporting.config defines no Settings class")


def cmd_reporting_rebuild(source: str) -> int:
    """Rebuild reporting's read models from events (topics or the services' event stores)."""
    module = _optional_module("services.reporting.rebuild")
    if module is None or not hasattr(module, "rebuild"):
        err.print("[red]reporting rebuild is not available in this checkout "
                  "(services/reporting/rebuild.py is missing)[/red]")
        return 2
    platform = platform_settings()
    settings = _reporting_settings()
    started = time.monotonic()
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err) as bar:
        result = module.rebuild(platform, settings, source=source, progress=RichProgress(bar))
        if inspect.iscoroutine(result):
            result = asyncio.run(result)
    elapsed = time.monotonic() - started
    table = Table(title=f"reporting rebuild from {source}")
    table.add_column("item")
    table.add_column("value", justify="right")
    summary = result if isinstance(result, dict) else getattr(result, "__dict__", {"result": result})
    for key, value in summary.items():
        table.add_row(str(key), str(value))
    if "seconds" not in summary:
        table.add_row("seconds", f"{elapsed:.1f}")
    Console().print(table)
    return 0
