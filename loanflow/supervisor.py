"""Child-process supervision for `loanflow up`: start, restart with backoff, stop by process group.

Each service runs as `python -m loanflow.cli serve <name>` in its own session (process
group), so one Ctrl-C in the terminal reaches only `loanflow up`, which then stops every
group it started, by PID. On Linux each child also asks the kernel for SIGTERM if its
parent dies (PR_SET_PDEATHSIG), so even a SIGKILLed `loanflow up` leaves no orphan service.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

MAX_BACKOFF_SECONDS = 30.0
HEALTHY_AFTER_SECONDS = 30.0  # a child that ran this long resets its backoff


def die_with_parent() -> None:
    """preexec_fn: SIGTERM this process when the parent exits (Linux; no-op elsewhere)."""
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


@dataclass
class Child:
    """One supervised service process."""

    name: str
    argv: list[str]
    env: dict[str, str]
    log_path: Path
    proc: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    failures: int = 0
    restart_at: float | None = None
    restarts: int = 0
    announce: bool = False  # a restart began and is to be reported once settled
    _log: IO[bytes] | None = field(default=None, repr=False)

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc is not None else None

    def start(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = open(self.log_path, "ab")  # kept open while the child runs
        self.proc = subprocess.Popen(self.argv, env=self.env, stdin=subprocess.DEVNULL, stdout=self._log,
                                     stderr=subprocess.STDOUT, start_new_session=True, preexec_fn=die_with_parent)
        self.started_at = time.monotonic()
        self.restart_at = None

    def settled(self) -> bool:
        """False while a restart is still under way (a part that restarts in the background)."""
        return True

    def exited(self) -> int | None:
        """Exit code if the process has ended (reaping it), else None."""
        return None if self.proc is None else self.proc.poll()

    def schedule_restart(self) -> float:
        """Backoff before the next start: 1, 2, 4 ... 30 s; reset after a healthy run."""
        if time.monotonic() - self.started_at >= HEALTHY_AFTER_SECONDS:
            self.failures = 0
        self.failures += 1
        delay = min(MAX_BACKOFF_SECONDS, 2.0 ** (self.failures - 1))
        self.restart_at = time.monotonic() + delay
        self._close_log()
        return delay

    def signal_group(self, sig: int) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        try:
            os.killpg(self.proc.pid, sig)
        except ProcessLookupError:
            pass

    def wait(self, timeout: float) -> bool:
        if self.proc is None:
            return True
        try:
            self.proc.wait(timeout)
            return True
        except subprocess.TimeoutExpired:
            return False

    def tail(self, lines: int = 8) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def _close_log(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None


class Supervisor:
    """Keeps a set of children running until `stop_all`."""

    def __init__(self, children: list[Child], on_event: Callable[[str, Child], None]) -> None:
        self.children = children
        self.on_event = on_event

    def start_all(self) -> None:
        for child in self.children:
            child.start()
            self.on_event("started", child)

    def tick(self) -> None:
        """Notice exits and start children whose backoff has passed (a failed start backs off again)."""
        now = time.monotonic()
        for child in self.children:
            if child.restart_at is not None:
                if now >= child.restart_at:
                    child.restarts += 1
                    try:
                        child.start()
                    except Exception as exc:
                        child.started_at = time.monotonic()  # failed starts back off longer each time
                        child.schedule_restart()
                        self.on_event(f"failed: {type(exc).__name__}: {exc}", child)
                        continue
                    child.announce = True
                continue
            code = child.exited()
            if code is not None:
                child.announce = False
                child.schedule_restart()
                self.on_event("exited", child)
            elif child.announce and child.settled():
                child.announce = False
                self.on_event("restarted", child)

    def stop_all(self, timeout: float = 15.0) -> None:
        """SIGTERM every child's process group, wait, then SIGKILL what is left."""
        for child in self.children:
            child.restart_at = None
            child.signal_group(signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for child in self.children:
            if not child.wait(max(0.1, deadline - time.monotonic())):
                child.signal_group(signal.SIGKILL)
                child.wait(5)
            child._close_log()

    def pids(self) -> dict[str, int | None]:
        return {c.name: c.pid for c in self.children}
