"""The access audit page's logic (pure): the three services' recorded reveals merged into one table.

Collections records a case's contact points revealed, origination an application's ID number, phones
and addresses, reporting an unmasked export (`loan-book:<date>`); each serves its own
`GET /v1/audit/access` (auditor, admin). The workbench shows them together, newest first.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

AUDITED = ("collections", "origination", "reporting")  # the services that record reveals
READERS = ("auditor", "admin")
ID = re.compile(r"^[A-Za-z0-9_.:-]{1,120}$")  # a subject id or a person (token `sub`) a filter may name


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
