"""The service kernel and app factory every service uses.

`ServiceKernel` owns the pool, event store, token issuer, relay and consumers of one
service process, and gives out its units of work; `create_service_app` wraps it in a FastAPI
app with the contract's error format and the ops routes of `shared/ops.py` (/healthz, /readyz,
/v1/events, /metrics). Nothing is built at import time.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import asyncpg
from fastapi import APIRouter, Depends, FastAPI, Header, Request, Response
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from shared.auth import TokenIssuer
from shared.clock import Clock, SystemClock
from shared.config import PlatformSettings
from shared.db import create_pool, ensure_database
from shared.eventstore import PostgresEventStore
from shared.fence import BrokerFence
from shared.idempotency import IdempotencyKey, request_hash
from shared.inbox import BatchHandler, Handler, InboxConsumer
from shared.kafka import ensure_topics, make_consumer, make_producer
from shared.logging import correlation_id
from shared.migrate import upgrade
from shared.readiness import ReadinessGauges, background_checks, broker_check, database_check
from shared.relay import OutboxRelay, outbox_lag_seconds
from shared.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)


@dataclass
class ConsumerSpec:
    """A consumer group of this service: which services' topics, and the handler."""

    name: str
    sources: Sequence[str]
    handler: Handler
    group_id: str | None = None
    batch_handler: BatchHandler | None = None


@dataclass
class Metrics:
    registry: CollectorRegistry = field(default_factory=CollectorRegistry)

    def __post_init__(self) -> None:
        r = self.registry
        self.latency = Histogram("http_request_duration_seconds", "request latency",
                                 ["method", "route", "status"], registry=r)
        self.appended = Counter("events_published_total", "events relayed to Kafka", registry=r)
        self.outbox_lag = Gauge("outbox_oldest_unsent_age_seconds", "age of oldest unsent outbox row",
                                registry=r)
        self.consumer_lag = Gauge("consumer_lag_records", "records behind the partition end",
                                  ["consumer", "partition"], registry=r)
        self.dlq = Gauge("dead_letters_total", "records sent to the DLQ", ["consumer"], registry=r)
        self.handled = Gauge("consumer_handled_total", "events handled", ["consumer"], registry=r)
        self.events_stored = Gauge("events_stored_total", "events in the event store", registry=r)
        self.readiness = ReadinessGauges(r)


class ServiceKernel:
    """Everything one service process runs on."""

    def __init__(self, name: str, platform: PlatformSettings, dsn: str, migrations_dir: Path,
                 *, clock: Clock | None = None, consumers: Sequence[ConsumerSpec] = ()) -> None:
        self.name = name
        self.platform = platform
        self.dsn = dsn
        self.migrations_dir = migrations_dir
        self.clock: Clock = clock or SystemClock()
        self.topic = platform.topic(name)
        self.store = PostgresEventStore(self.topic)
        self.issuer = TokenIssuer(platform.signing_key())
        self.consumer_specs = list(consumers)
        self.metrics = Metrics()
        self.pool: asyncpg.Pool | None = None
        self.relay: OutboxRelay | None = None
        self.consumers: list[InboxConsumer] = []
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    @property
    def db(self) -> asyncpg.Pool:
        assert self.pool is not None, "kernel not started"
        return self.pool

    def unit_of_work(self) -> UnitOfWork:
        """A new unit of work (transaction + event store + outbox) on this service's database."""
        return UnitOfWork(self.db, self.store)

    def producer_factory(self) -> Any:
        assert self.platform.kafka_bootstrap, "LOANFLOW_KAFKA_BOOTSTRAP is not set"
        return make_producer(self.platform.kafka_bootstrap)

    async def start(self, *, run_background: bool | None = None) -> None:
        """Create/migrate the database, open the pool, start relay and consumers."""
        if self.platform.migrate_on_start:
            await ensure_database(self.dsn)
            await upgrade(self.migrations_dir, self.dsn)
        self.pool = await create_pool(self.dsn, max_size=10)
        background = self.platform.run_background if run_background is None else run_background
        if background:
            await self.start_background()

    async def start_background(self) -> None:
        bootstrap = self.platform.kafka_bootstrap
        assert bootstrap, "LOANFLOW_KAFKA_BOOTSTRAP is not set"
        topics = [self.topic, f"{self.topic}.dlq"]
        for spec in self.consumer_specs:
            topics += [self.platform.topic(s) for s in spec.sources]
            topics += [self.platform.topic(s) + ".dlq" for s in spec.sources]
        await ensure_topics(bootstrap, sorted(set(topics)), self.platform.topic_partitions)
        # One fence per Kafka client: each holds its own share of the lock and watches the broker.
        ephemeral = self.platform.broker_ephemeral

        def fence() -> BrokerFence | None:
            return BrokerFence(self.dsn, bootstrap) if ephemeral else None

        self.relay = OutboxRelay(self.dsn, self.producer_factory,
                                 on_published=lambda n: self.metrics.appended.inc(n), fence=fence())
        self._tasks.append(asyncio.create_task(self.relay.run(self._stop), name=f"{self.name}-relay"))
        for spec in self.consumer_specs:
            group = spec.group_id or f"{self.platform.topic_prefix}.{self.name}.{spec.name}"
            source_topics = [self.platform.topic(s) for s in spec.sources]
            consumer = InboxConsumer(
                name=spec.name, pool=self.db,
                consumer_factory=functools.partial(
                    make_consumer, bootstrap, group, *source_topics,
                    session_timeout_ms=self.platform.consumer_session_timeout_ms),
                producer_factory=self.producer_factory, handler=spec.handler,
                batch_handler=spec.batch_handler, fence=fence())
            self.consumers.append(consumer)
            self._tasks.append(asyncio.create_task(consumer.run(self._stop), name=f"{self.name}-{spec.name}"))

    async def stop(self) -> None:
        self._stop.set()
        for task in self._tasks:
            try:
                await asyncio.wait_for(task, timeout=10)
            except (TimeoutError, asyncio.CancelledError):
                task.cancel()
            except Exception:
                log.exception("background task failed at stop")
        self._tasks.clear()
        if self.pool is not None:
            await self.pool.close()
            self.pool = None

    async def ready(self) -> dict[str, Any]:
        """Readiness checks, each "ok" or why not (shared/readiness.py); recorded for /metrics."""
        if self.relay is None:
            checks = {"database": await database_check(self.db)}
        else:
            assert self.platform.kafka_bootstrap
            database, broker = await asyncio.gather(database_check(self.db),
                                                    broker_check(self.platform.kafka_bootstrap))
            checks = {"database": database, "broker": broker,
                      **background_checks(self._tasks, self.relay, self.consumers,
                                          self.platform.ready_stale_seconds)}
        self.metrics.readiness.record(checks, self.relay, self.consumers)
        return checks

    async def refresh_metrics(self) -> None:
        checks = await self.ready()
        if checks["database"] == "ok":
            try:
                async with self.db.acquire(timeout=2.0) as conn:
                    self.metrics.outbox_lag.set(await outbox_lag_seconds(conn))
                    self.metrics.events_stored.set(
                        await conn.fetchval("SELECT coalesce(max(position), 0) FROM events"))
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
                log.warning("database metrics unavailable", exc_info=True)
        for c in self.consumers:
            self.metrics.dlq.labels(c.name).set(c.stats.dead_lettered)
            self.metrics.handled.labels(c.name).set(c.stats.handled)
            for part, lag in c.stats.lag.items():
                self.metrics.consumer_lag.labels(c.name, part).set(lag)


def get_kernel(request: Request) -> ServiceKernel:
    return request.app.state.kernel  # type: ignore[no-any-return]


KernelDep = Annotated[ServiceKernel, Depends(get_kernel)]


async def idempotency_key(
    request: Request,
    idempotency_key: Annotated[str | None, Header(max_length=200, description=(
        "makes a retry safe: the same key and body replay the first answer (`Idempotent-Replayed: true`); "
        "the same key with another body is 409"))] = None,
) -> IdempotencyKey | None:
    """FastAPI dependency: the request's optional Idempotency-Key with its body hash."""
    if not idempotency_key:
        return None
    return IdempotencyKey(idempotency_key, request_hash(await request.body()))


IdempotencyDep = Annotated[IdempotencyKey | None, Depends(idempotency_key)]


def create_service_app(
    kernel: ServiceKernel,
    *,
    title: str,
    routers: Sequence[APIRouter],
    on_startup: Callable[[ServiceKernel], Awaitable[None]] | None = None,
    version: str = "0.1.0",
) -> FastAPI:
    """A FastAPI app for one service: routes under /v1 (error answers documented), ops routes, errors."""
    from shared.errors import ERROR_RESPONSES, install_error_handlers
    from shared.ops import ops_router

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await kernel.start()
        if on_startup is not None:
            await on_startup(kernel)
        try:
            yield
        finally:
            await kernel.stop()

    app = FastAPI(title=title, version=version, lifespan=lifespan)
    app.state.kernel = kernel
    app.state.token_issuer = kernel.issuer
    app.state.clock = kernel.clock
    install_error_handlers(app)
    for router in routers:
        app.include_router(router, prefix="/v1", responses=ERROR_RESPONSES)

    @app.middleware("http")
    async def observe(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        cid = request.headers.get("x-correlation-id") or str(uuid.uuid4())
        token = correlation_id.set(cid)
        started = time.perf_counter()
        try:
            response = await call_next(request)
        finally:
            correlation_id.reset(token)
        response.headers["x-correlation-id"] = cid
        route = request.scope.get("route")
        path = getattr(route, "path", "unmatched")
        kernel.metrics.latency.labels(request.method, path, str(response.status_code)).observe(
            time.perf_counter() - started)
        return response

    app.include_router(ops_router(kernel))
    return app
