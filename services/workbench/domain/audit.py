"""The access audit page's logic (pure): the three services' recorded reveals merged into one table.

Collections records a case's contact points revealed, origination an application's ID number, phones
and addresses, reporting an unmasked export (`loan-book:<date>`); each serves its own
`GET /v1/audit/access` (auditor, admin). The workbench shows them together, newest first, a page at a
time: each service is read newest first by its keyset cursor (`before`), the answers merged by time,
and the page's position is where each service's stream stands (`Position`), so the next page continues
every stream exactly where this one stopped — nothing shown twice, nothing skipped, no cap.
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

AUDITED = ("collections", "origination", "reporting")  # the services that record reveals
READERS = ("auditor", "admin")
ID = re.compile(r"^[A-Za-z0-9_.:-]{1,120}$")  # a subject id or a person (token `sub`) a filter may name
PER_PAGE = 50
END = "end"  # a service's stream read to its end


def N_(message: str) -> str:
    """Marks a string for the catalogs; translated when the page renders."""
    return message


# What each subject type's reveal shows unmasked (catalog msgids), as the services' reveal routes document it.
SUBJECTS = {"case": N_("Case"), "application": N_("Application"), "export": N_("Export")}
FIELDS = {"case": N_("Contact points: phones and addresses"),
          "application": N_("ID number, phones and addresses"),
          "export": N_("Borrowers' names in the export")}


@dataclass(frozen=True)
class Access:
    """One recorded reveal, from one service."""

    at: datetime
    actor: str
    roles: tuple[str, ...]
    service: str
    subject_type: str
    subject_id: str
    reason: str
    seq: int

    @property
    def href(self) -> str | None:
        """The workbench page of the subject (an export has none)."""
        if self.subject_type == "case":
            return f"/cases/{self.subject_id}"
        if self.subject_type == "application":
            return f"/applications/{self.subject_id}"
        return None


def access_of(service: str, item: Mapping[str, Any]) -> Access:
    at = item["at"]
    return Access(at=at if isinstance(at, datetime) else datetime.fromisoformat(str(at)), actor=str(item["actor"]),
                  roles=tuple(item.get("roles") or ()), service=service, subject_type=str(item["subject_type"]),
                  subject_id=str(item["subject_id"]), reason=str(item["reason"]), seq=int(item["id"]))


def merged(by_service: Mapping[str, Sequence[Mapping[str, Any]]]) -> list[Access]:
    """Every service's records in one list, newest first (ties: the service's later record first)."""
    rows = [access_of(service, item) for service, items in by_service.items() for item in items]
    return sorted(rows, key=lambda a: (a.at, a.service, a.seq), reverse=True)


def filters(query: Mapping[str, str]) -> dict[str, str]:
    """The page's filters as the APIs' parameters: `subject` (a case or application id) → `subject_id`,
    `person` → `actor`; a blank or malformed value is no filter (the page shows which applied)."""
    out = {}
    for name, param in (("subject", "subject_id"), ("person", "actor")):
        value = (query.get(name) or "").strip()
        if value and ID.match(value):
            out[param] = value
    return out


# Where a page of the merged audit starts: per service, None (its newest record), the record id it continues
# below (the service's `before`), or END (nothing left). In the page's link as `before=collections:12,...`.
Position = dict[str, "int | str | None"]


def parse_position(raw: str | None) -> Position:
    """The `before` of /audit's link; anything malformed is the start (every service from its newest)."""
    position: Position = {s: None for s in AUDITED}
    for part in (raw or "").split(","):
        service, _, value = part.partition(":")
        if service in position and value == END:
            position[service] = END
        elif service in position and value.isascii() and value.isdigit() and 0 < len(value) <= 18:
            position[service] = int(value)
    return position


def position_query(position: Position) -> str:
    return ",".join(f"{s}:{'' if position[s] is None else position[s]}" for s in AUDITED)


def merge_page(position: Position, answers: Mapping[str, Sequence[Mapping[str, Any]]], more: Mapping[str, bool],
               per_page: int = PER_PAGE) -> tuple[list[Access], Position | None]:
    """One page of the merged audit and the next page's position (None: this is the last page).

    `answers`: each service's records newest first from its `position` (at least `per_page` of them unless
    `more` is False: its stream ends there); a service not in `answers` (refused) keeps its position. The
    streams are merged newest first by time (ties: service, then its later record) taking each stream in its
    own order, so what a page takes of a service is a prefix of its stream and the service's next position
    is the last record taken of it."""
    streams = [[access_of(service, item) for item in items] for service, items in answers.items()]
    rows = list(heapq.merge(*streams, key=lambda a: (a.at, a.service, a.seq), reverse=True))[:per_page]
    nxt: Position = dict(position)
    for service, items in answers.items():
        taken = [a for a in rows if a.service == service]
        if taken:
            nxt[service] = taken[-1].seq
        if len(taken) == len(items) and not more.get(service, False):
            nxt[service] = END
    if all(nxt[s] == END for s in answers) or not answers:
        return rows, None
    return rows, nxt
