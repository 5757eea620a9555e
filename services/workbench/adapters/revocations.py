"""Sessions signed out (revoked) before their token expired: a copied session cookie no longer works.

The session is a signed JWT the workbench keeps no row for, so signing out only deleting the cookie
would leave a copy of it valid until it expires. Signing out records the token's id (SHA-256 of the
token; the token itself is never stored) with its expiry in a small append-only file under
LOANFLOW_HOME (`workbench/revoked-sessions`, one `<id> <exp>` a line). Every request checks it; the
file is re-read when it changed (another workbench process on the same home), so a restart keeps
revocations until the tokens would have expired anyway; expired lines are dropped when the file is read
at start.

This file is shared only by workbench processes on one host (one LOANFLOW_HOME). Replicas on several hosts
(the k8s deployment) record revocations where every replica reads them: `LOANFLOW_WORKBENCH_DATABASE_URL`
selects `PostgresRevokedSessions` (revocations_pg.py). Both offer the same four calls: `refresh()` before a
request's check (here: re-read the file when it changed), `is_revoked(token)`, `revoke(token, exp)`, `close()`.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from pathlib import Path
from typing import Protocol


class Revocations(Protocol):
    """Where signed-out sessions are recorded: this file (one host) or PostgreSQL (every replica)."""

    async def refresh(self) -> None: ...
    def is_revoked(self, token: str) -> bool: ...
    async def revoke(self, token: str, expires_at: float) -> None: ...
    async def close(self) -> None: ...


def token_id(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class RevokedSessions:
    """The revoked session tokens still within their expiry, kept in `path`."""

    def __init__(self, path: Path, clock: object = time.time) -> None:
        self.path = path
        self._now = clock  # type: ignore[assignment]
        self._lock = threading.Lock()
        self._revoked: dict[str, float] = {}
        self._seen: tuple[int, int] | None = None
        self._load(prune=True)

    async def refresh(self) -> None:
        """Take in revocations recorded by another process since the last look (the file changed)."""
        self._reload_if_changed()

    async def close(self) -> None:
        return None

    async def revoke(self, token: str, expires_at: float) -> None:
        """Record the token revoked until `expires_at` (its `exp`, epoch seconds); durable when this returns."""
        tid = token_id(token)
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="ascii") as f:
                f.write(f"{tid} {int(expires_at)}\n")
                f.flush()
                os.fsync(f.fileno())
            self._revoked[tid] = expires_at

    def is_revoked(self, token: str) -> bool:
        self._reload_if_changed()
        expires_at = self._revoked.get(token_id(token))
        return expires_at is not None and expires_at > self._now()  # type: ignore[operator]

    def _stamp(self) -> tuple[int, int] | None:
        try:
            st = self.path.stat()
        except FileNotFoundError:
            return None
        return st.st_mtime_ns, st.st_size

    def _reload_if_changed(self) -> None:
        if self._stamp() != self._seen:
            with self._lock:
                self._load(prune=False)

    def _load(self, *, prune: bool) -> None:
        self._seen = self._stamp()
        revoked: dict[str, float] = {}
        if self._seen is not None:
            for line in self.path.read_text(encoding="ascii", errors="ignore").splitlines():
                parts = line.split()
                if len(parts) == 2 and parts[1].isdigit():
                    revoked[parts[0]] = float(parts[1])
        now = self._now()  # type: ignore[operator]
        live = {tid: exp for tid, exp in revoked.items() if exp > now}
        if prune and len(live) < len(revoked):
            tmp = self.path.with_suffix(".tmp")
            tmp.write_text("".join(f"{tid} {int(exp)}\n" for tid, exp in live.items()), encoding="ascii")
            os.replace(tmp, self.path)
            self._seen = self._stamp()
        self._revoked = live
