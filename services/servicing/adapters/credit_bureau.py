"""The credit-bureau port's file adapter: one line per record (domain/credit_record.py format) in
`<directory>/credit-records-YYYYMMDD.txt` (the record's business date), UTF-8, `\\n`-terminated.

Idempotent by record id across every file of the directory: the ids already written are read back
(incrementally: each file from where it was last read) under an exclusive lock on
`<directory>/.lock`, so several servicing processes and redeliveries never write a record twice.
Each line is flushed and fsynced before `submit` returns; the caller does that inside the
transaction recording the event, so a failure here rolls the event back (and the inbox retries).
Logs name the record and the loan; the borrower's ID number only masked.
"""

from __future__ import annotations

import fcntl
import logging
import os
from collections.abc import Sequence
from pathlib import Path

from services.servicing.domain.credit_record import BureauLine
from shared.pii import mask_id_number

log = logging.getLogger(__name__)
PATTERN = "credit-records-*.txt"


class FileCreditBureau:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        if not os.access(directory, os.W_OK):
            raise PermissionError(f"credit-bureau directory {directory} is not writable")
        self._seen: set[str] = set()
        self._read_to: dict[Path, int] = {}

    def path_for(self, line: BureauLine) -> Path:
        return self.directory / f"credit-records-{line.on:%Y%m%d}.txt"

    def submit(self, lines: Sequence[BureauLine]) -> list[str]:
        written: list[str] = []
        with open(self.directory / ".lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                self._refresh()
                for line in lines:
                    if line.record_id in self._seen:
                        log.info("credit bureau: record %s already reported, not written again", line.record_id)
                        continue
                    path = self.path_for(line)
                    with open(path, "a", encoding="utf-8", newline="\n") as out:
                        out.write(line.render() + "\n")
                        out.flush()
                        os.fsync(out.fileno())
                    self._seen.add(line.record_id)
                    written.append(line.record_id)
                    log.info(
                        "credit bureau: %s record %s for loan %s (ID %s) in %s",
                        line.action,
                        line.record_id,
                        line.loan_id,
                        mask_id_number(line.subject.id_number) if line.subject.id_number else "-",
                        path.name,
                    )
                self._refresh()
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)
        return written

    def _refresh(self) -> None:
        """Read the record ids written since last time (by anyone), file by file."""
        for path in sorted(self.directory.glob(PATTERN)):
            start = self._read_to.get(path, 0)
            with open(path, "rb") as f:
                f.seek(start)
                chunk = f.read()
            end = chunk.rfind(b"\n") + 1
            for raw in chunk[:end].splitlines():
                fields = raw.split(b"|", 2)
                if len(fields) > 1:
                    self._seen.add(fields[1].decode())
            self._read_to[path] = start + end
