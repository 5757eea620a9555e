"""`loanflow serve SERVICE`: one service process (API, outbox relay and consumers) under uvicorn."""

from __future__ import annotations

import contextlib
import gc
import importlib
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from loanflow.runtime import WORKBENCH, apply_runtime_defaults, home_dir, service_port, service_url
from shared.config import SERVICES, PlatformSettings
from shared.logging import configure_logging


def load_app(service: str) -> Any:
    """The service's FastAPI app from `services.<service>.bootstrap.create_app()` (configured by env)."""
    if service not in (*SERVICES, WORKBENCH):
        raise SystemExit(f"unknown service {service!r}; one of {', '.join((*SERVICES, WORKBENCH))}")
    module = importlib.import_module(f"services.{service}.bootstrap")
    return module.create_app()


def settle_heap() -> None:
    """Freeze what start-up built out of the cyclic GC: the modules, the app and its schemas, and what
    the lifespan added (migrations import SQLAlchemy and Alembic): ~155,000 objects in a service.

    A full collection scans every tracked object; with the start-up heap in it, each one took
    70-120 ms of CPU, a stop of the whole process (the consumer, the relay, the API) that
    collections' consumer at 1,000 loans/s met every second or two (bench `propagation`). Frozen
    objects are never scanned nor collected: the start-up heap is not garbage, and what is garbage
    now goes first.
    """
    gc.collect()
    gc.freeze()


def settle_heap_after_start(app: Any) -> Any:
    """The app, its lifespan followed by `settle_heap` once the start-up (migrations, pools, clients) is done."""
    started = app.router.lifespan_context

    @contextlib.asynccontextmanager
    async def lifespan(app_: Any) -> AsyncIterator[Any]:
        async with started(app_) as state:
            settle_heap()
            yield state

    app.router.lifespan_context = lifespan
    return app


def migrations_dir(service: str) -> Path:
    """Alembic folder of a service (`services/<service>/migrations`)."""
    package = importlib.import_module(f"services.{service}")
    assert package.__file__ is not None
    return Path(package.__file__).parent / "migrations"


def serve(service: str) -> int:
    """Run one service until SIGINT/SIGTERM; uvicorn runs the app's lifespan (migrations, relay, consumers)."""
    import uvicorn

    apply_runtime_defaults()
    os.environ.setdefault("LOANFLOW_HOME", str(home_dir()))
    if service == WORKBENCH:  # the four APIs it calls: the environment, else what `loanflow up` recorded
        for api in SERVICES:
            os.environ.setdefault(f"LOANFLOW_{api.upper()}_URL", service_url(api))
    platform = PlatformSettings()
    configure_logging(service, platform.log_level, platform.log_json)
    app = settle_heap_after_start(load_app(service))
    config = uvicorn.Config(app, host=platform.host, port=service_port(service), log_config=None,
                            timeout_graceful_shutdown=10, lifespan="on")
    server = uvicorn.Server(config)
    server.run()
    # uvicorn exits normally on a failed startup too; report it so a supervisor restarts us.
    return 0 if server.started else 3
