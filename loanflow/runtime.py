"""Where the running system is: `LOANFLOW_HOME/runtime.json`, written by `loanflow up`, read by every command.

Every `loanflow` command reads the same configuration: the environment (PlatformSettings,
prefix LOANFLOW_) first, then what a running `loanflow up` recorded, then the defaults of
CONTRACT.md. The state directory is LOANFLOW_HOME, else the user's data directory (the same
from any working directory), so `loanflow token` or `loanflow partner add` in another terminal
reach the system `loanflow up` started, with the signing key it generated there. Only
`loanflow up` creates keys: without a running system (or LOANFLOW_JWT_SECRET) the other
commands stop with NoRunningSystem, which says where they looked.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from services.workbench.config import WORKBENCH_PORT
from shared.config import DEFAULT_PORTS, MissingKey, PlatformSettings, default_home

RUNTIME_FILE = "runtime.json"
WORKBENCH = "workbench"  # the web app for people: a fifth process, no database, no topics
PORTS = {**DEFAULT_PORTS, WORKBENCH: WORKBENCH_PORT}


class NoRunningSystem(RuntimeError):
    """A command needs the system `loanflow up` runs, and none was found."""


def home_dir() -> Path:
    """LOANFLOW_HOME as an absolute path, else the user's data directory (see `default_home`)."""
    configured = os.environ.get("LOANFLOW_HOME")
    return (Path(configured) if configured else default_home()).expanduser().resolve()


def runtime_path(home: Path | None = None) -> Path:
    return (home or home_dir()) / RUNTIME_FILE


def write_runtime(data: dict[str, Any], home: Path | None = None) -> Path:
    """Record the running system atomically (write then rename)."""
    path = runtime_path(home)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=2, sort_keys=True))
    tmp.replace(path)
    return path


def remove_runtime(home: Path | None = None, owner_pid: int | None = None) -> None:
    """Delete runtime.json (only if `owner_pid` wrote it, when given)."""
    path = runtime_path(home)
    current = read_runtime(home, live_only=False)
    if current is not None and owner_pid is not None and current.get("pid") != owner_pid:
        return
    path.unlink(missing_ok=True)


def _alive(pid: object) -> bool:
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def read_runtime(home: Path | None = None, *, live_only: bool = True) -> dict[str, Any] | None:
    """What `loanflow up` recorded, or None (no file, unreadable, or its process is gone)."""
    path = runtime_path(home)
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    if live_only and not _alive(data.get("pid")):
        return None
    return data


def apply_runtime_defaults(environ: dict[str, str] | None = None) -> dict[str, Any] | None:
    """Fill LOANFLOW_DATABASE_URL / LOANFLOW_KAFKA_BOOTSTRAP from runtime.json when unset.

    Only variables that are not set are filled, so the environment always wins.
    """
    env = os.environ if environ is None else environ
    runtime = read_runtime()
    if runtime is None:
        return None
    for var, key in (("LOANFLOW_DATABASE_URL", "database_url"), ("LOANFLOW_KAFKA_BOOTSTRAP", "kafka_bootstrap")):
        value = runtime.get(key)
        if value and not env.get(var):
            env[var] = str(value)
    return runtime


def no_running_system(home: Path, detail: str = "") -> NoRunningSystem:
    return NoRunningSystem(
        f"no running loanflow system found: no live `loanflow up` recorded in {runtime_path(home)}"
        f"{detail}. Start one with `loanflow up`, or point LOANFLOW_HOME at the state directory of the "
        "one that runs (or set LOANFLOW_JWT_SECRET and the URLs of a deployed system).")


def platform_settings(*, signing: bool = True) -> PlatformSettings:
    """PlatformSettings from the environment, completed by a running `loanflow up`.

    With `signing`, the signing key is resolved here and never created: LOANFLOW_JWT_SECRET,
    else the key the running `loanflow up` generated; neither → NoRunningSystem.
    """
    runtime = apply_runtime_defaults()
    home = home_dir()
    settings = PlatformSettings().model_copy(update={"home": home})
    if not signing or settings.jwt_secret is not None:
        return settings
    if runtime is None:
        raise no_running_system(home)
    try:
        key = settings.signing_key(create=False)
    except MissingKey:
        raise NoRunningSystem(f"the loanflow up running from {home} (pid {runtime.get('pid')}) has no "
                              f"{home / 'jwt.key'}: it signs with its LOANFLOW_JWT_SECRET; set the same here")
    return settings.model_copy(update={"jwt_secret": SecretStr(key)})


def service_port(service: str, environ: dict[str, str] | None = None) -> int:
    """LOANFLOW_<SERVICE>_PORT, else the CONTRACT.md default (8001–8004, workbench 8000)."""
    env = os.environ if environ is None else environ
    value = env.get(f"LOANFLOW_{service.upper()}_PORT")
    return int(value) if value else PORTS[service]


def service_url(service: str) -> str:
    """Base URL of a service: LOANFLOW_<SERVICE>_URL, else runtime.json, else host:port from settings."""
    if service not in PORTS:
        raise ValueError(f"unknown service {service!r}; one of {', '.join(PORTS)}")
    explicit = os.environ.get(f"LOANFLOW_{service.upper()}_URL")
    if explicit:
        return explicit.rstrip("/")
    runtime = read_runtime()
    if runtime is not None:
        url = runtime.get("services", {}).get(service, {}).get("url")
        if url:
            return str(url).rstrip("/")
    host = os.environ.get("LOANFLOW_HOST", "127.0.0.1")
    if host in ("0.0.0.0", "::"):
        host = "127.0.0.1"
    return f"http://{host}:{service_port(service)}"
