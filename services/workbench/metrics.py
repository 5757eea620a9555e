"""The workbench's /metrics: page time per route, and the time of the API calls each page makes."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Histogram, generate_latest


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.latency = Histogram("http_request_duration_seconds", "page time", ["method", "route", "status"],
                                 registry=self.registry)
        self.api = Histogram("api_call_duration_seconds", "time of the workbench's calls to the four APIs",
                             ["service", "method", "status"], registry=self.registry)


def add_metrics(app: FastAPI, metrics: Metrics) -> None:
    """Time every request by its route template (never the raw path: ids would explode the labels)."""

    @app.middleware("http")
    async def timed(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        started = time.perf_counter()
        response = await call_next(request)
        route = request.scope.get("route")
        path = getattr(route, "path", "unmatched")
        metrics.latency.labels(request.method, path, str(response.status_code)).observe(time.perf_counter() - started)
        return response

    @app.get("/metrics", include_in_schema=False)
    async def exposition() -> Response:
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)
