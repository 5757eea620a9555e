"""Render a report as CSV when asked; as JSON otherwise, through the route's response model (`public.py`)."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from pydantic import BaseModel

# The 200 answer's other form, CSV: `/openapi.json` lists it beside the JSON model.
CSV: dict[int | str, dict[str, Any]] = {200: {
    "description": "JSON; or CSV with `?format=csv` or `Accept: text/csv`",
    "content": {"text/csv": {"schema": {"type": "string", "description": "CSV with a header row"}}}}}


def typed(model: type[BaseModel]) -> dict[str, Any]:
    """Route options of a report: its JSON response model (keys the report leaves out stay out) and CSV."""
    return {"response_model": model, "response_model_exclude_unset": True, "responses": CSV}


def jsonable(value: Any) -> Any:
    """Decimals as plain decimal strings ("1234.50", ratios "0.0414"), dates as ISO text."""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


def flatten(value: Any, prefix: str = "") -> list[tuple[str, Any]]:
    """Nested report -> (dotted metric path, value) rows."""
    if isinstance(value, dict):
        out: list[tuple[str, Any]] = []
        for k, v in value.items():
            out += flatten(v, f"{prefix}.{k}" if prefix else str(k))
        return out
    if isinstance(value, list):
        out = []
        for i, v in enumerate(value):
            out += flatten(v, f"{prefix}.{i}")
        return out
    return [(prefix, "" if value is None else value)]


def wants_csv(request: Request, fmt: str | None) -> bool:
    """`?format=csv` or `Accept: text/csv`."""
    if fmt:
        return fmt.lower() == "csv"
    return "text/csv" in request.headers.get("accept", "")


def report_response(request: Request, report: dict[str, Any], fmt: str | None,
                    name: str) -> dict[str, Any] | Response:
    """The report for the response model, or as a two-column CSV (metric, value) when asked."""
    if not wants_csv(request, fmt):
        return report
    body = jsonable(report)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["metric", "value"])
    writer.writerows(flatten(body))
    return _csv(buf.getvalue(), name)


def table_response(request: Request, items: list[dict[str, Any]], extra: dict[str, Any], fmt: str | None,
                   columns: list[str], name: str) -> dict[str, Any] | Response:
    """A list for the response model ({items, ...}), or as a CSV with one row per item when asked."""
    if not wants_csv(request, fmt):
        return {**extra, "items": items}
    body = jsonable(items)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(columns)
    for item in body:
        writer.writerow([_cell(item, col) for col in columns])
    return _csv(buf.getvalue(), name)


def _cell(item: dict[str, Any], column: str) -> Any:
    value: Any = item
    for part in column.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return "" if value is None else value


def _csv(text: str, name: str) -> Response:
    return Response(text, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})
