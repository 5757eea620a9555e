"""The credit-bureau port's file adapter: one line per record (domain/credit_record.py format) in
`<directory>/credit-records-YYYYMMDD.txt` (the record's business date), UTF-8, `\\n`-terminated.

Idempotent by record id: a record's line always goes to the file of its own date (the event's, immutable), so
the ids already in that file are read back (incrementally: from where it was last read, only when it grew)
under an exclusive lock on `<directory>/.lock`, and several servicing processes and retries never write a
record twice. Nothing else of the directory is read, however many days it holds. Each line
is written in one `write` and fsynced before `submit` returns. The submitter calls it after the event's
commit and only then marks the submission sent: a crash in between leaves the submission pending, and
the retry finds the record id here and writes nothing. A line cut short by a crash mid-write (no `\\n`,
so never acknowledged) is cut off under the lock before anything is appended after it.
Logs name the record and the loan, never the borrower.
"""

from __future__ import annotations

import fcntl
import logging
import os
from collections.abc import Sequence
from pathlib import Path

from services.servicing.domain.credit_record import BureauLine

log = logging.getLogger(__name__)
PATTERN = "credit-records-*.txt"


class FileCreditBureau:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._seen: dict[Path, set[str]] = {}  # per file: the record ids read back
        self._read_to: dict[Path, int] = {}

    def problem(self) -> str | None:
        """Why lines could not be written now (None: the directory is writable, or can be created by the
        first line)."""
        if self.directory.exists():
            if not self.directory.is_dir():
                return "not a directory"
            return None if os.access(self.directory, os.W_OK | os.X_OK) else "not writable"
        parent = self.directory.parent
        while not parent.exists() and parent != parent.parent:
            parent = parent.parent
        if parent.is_dir() and os.access(parent, os.W_OK | os.X_OK):
            return None
        return "cannot be created"

    def path_for(self, line: BureauLine) -> Path:
        return self.directory / f"credit-records-{line.on:%Y%m%d}.txt"

    def submit(self, lines: Sequence[BureauLine]) -> list[str]:
        """Write the lines not yet in the directory; answers the record ids newly written. Raises OSError."""
        self.directory.mkdir(parents=True, exist_ok=True)
        written: list[str] = []
        with open(self.directory / ".lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                for line in lines:
                    path = self.path_for(line)
                    seen = self._refresh(path)
                    if line.record_id in seen:
                        log.info("credit bureau: record %s already in %s, not written again", line.record_id,
                                 path.name)
                        continue
                    data = (line.render() + "\n").encode("utf-8")
                    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
                    try:
                        os.write(fd, data)
                        os.fsync(fd)
                    finally:
                        os.close(fd)
                    seen.add(line.record_id)
                    self._read_to[path] += len(data)
                    written.append(line.record_id)
                    log.info("credit bureau: %s record %s for loan %s written to %s", line.action, line.record_id,
                             line.loan_id, path.name)
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)
        return written

    def _refresh(self, path: Path) -> set[str]:
        """The record ids in `path`, reading only what was appended (by anyone) since last time; a torn last
        line is cut off. A record's line is always in the file of its own date, so no other file is read."""
        seen = self._seen.setdefault(path, set())
        start = self._read_to.setdefault(path, 0)
        try:
            size = os.stat(path).st_size
        except FileNotFoundError:
            return seen
        if size == start:
            return seen
        if size < start:  # replaced (e.g. a gateway took the file away): read the new one whole, keep what we knew
            start = 0
        with open(path, "rb") as f:
            f.seek(start)
            chunk = f.read()
        end = chunk.rfind(b"\n") + 1
        for raw in chunk[:end].splitlines():
            fields = raw.split(b"|", 2)
            if len(fields) > 1:
                seen.add(fields[1].decode())
        self._read_to[path] = start + end
        if end < len(chunk):  # a writer died mid-line (we hold the lock): that line was never written
            log.warning("credit bureau: cutting a torn last line (%d bytes) off %s", len(chunk) - end, path.name)
            os.truncate(path, start + end)
        return seen
