"""Contact points: every way to reach someone on a case, with where it came from and whether it works.

DOMAIN.md §3, unreachable: "most long-overdue borrowers have changed job and address: trace
through the contacts, record what is found". The points from origination (the applicant's phone,
the three contacts, the guarantor, home and work addresses, the employer) come from
`loan.disbursed` (the loan directory) under fixed ids; trace findings are recorded on the case
(`collections.contact_point.added`). Each point's status (valid / invalid / unknown) is a fold of
`collections.contact_point.status_changed`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict

from shared.contracts.collections import PointKind, PointStatus, TargetKind, mask_point_value
from shared.datakeys import ERASED, UNAVAILABLE
from shared.pii import mask_phone

TARGET_KINDS: tuple[TargetKind, ...] = ("borrower", "guarantor", "family", "work", "other")
TARGET_ALIASES = {"employer": "work"}  # first-round clients named a work contact `employer`


class ContactPoint(BaseModel):
    """One way to reach someone: `relation` says whom (the borrower, the guarantor or a third party).

    `value` is kept on the case for trace findings; origination points' values live in the loan
    directory, so a case only records their status.
    """

    model_config = ConfigDict(extra="ignore")

    point_id: str
    kind: PointKind
    relation: TargetKind
    source: str
    value: str | None = None
    status: PointStatus = "unknown"
    status_reason: str | None = None


def _point(point_id: str, kind: PointKind, relation: TargetKind, value: Any) -> ContactPoint | None:
    if not isinstance(value, str) or not value.strip():
        return None
    return ContactPoint(point_id=point_id, kind=kind, relation=relation, source="origination", value=value.strip())


def origination_points(loan: Mapping[str, Any] | None) -> list[ContactPoint]:
    """The points `loan.disbursed` carried (v1: the applicant's phone and the three contacts; v2 adds the
    home and work addresses, the employer and the guarantor), under fixed ids."""
    if not loan:
        return []
    borrower = loan.get("borrower") or {}
    addresses = borrower.get("addresses") or {}
    employer = borrower.get("employer") or {}
    guarantor = loan.get("guarantor") or {}
    found = [_point("borrower-phone", "phone", "borrower", borrower.get("phone")),
             _point("borrower-home", "address", "borrower", addresses.get("home")),
             _point("borrower-work", "address", "borrower", addresses.get("work")),
             _point("guarantor-phone", "phone", "guarantor", guarantor.get("phone")),
             _point("employer", "employer", "work", employer.get("name")),
             _point("employer-phone", "phone", "work", employer.get("phone")),
             _point("employer-address", "address", "work", employer.get("address"))]
    found += [_point(f"contact-{c['relation']}", "phone", c["relation"], c.get("phone"))
              for c in loan.get("contacts") or [] if c.get("relation") in TARGET_KINDS]
    return [p for p in found if p is not None]


def all_points(recorded: Iterable[ContactPoint], loan: Mapping[str, Any] | None) -> list[ContactPoint]:
    """The case's points: origination's (with any status the case recorded) then the trace findings."""
    on_case = {p.point_id: p for p in recorded}
    out = []
    for base in origination_points(loan):
        seen = on_case.pop(base.point_id, None)
        out.append(base if seen is None else base.model_copy(update={"status": seen.status,
                                                                     "status_reason": seen.status_reason}))
    return out + [p for p in on_case.values() if p.source != "origination"]


def masked(point: ContactPoint) -> ContactPoint:
    """The point as shown by default: phones as 138****5678, addresses with their leading part only."""
    if point.value is None or point.kind == "employer":
        return point
    return point.model_copy(update={"value": mask_point_value(point.value)})


def mask_name(name: str | None) -> str | None:
    """张三丰 → 张**: the family name is enough to tell borrowers apart in a queue; None without a name."""
    if not isinstance(name, str) or not name.strip():
        return None
    name = name.strip()
    if name in (ERASED, UNAVAILABLE):  # the borrower's data key is destroyed (issue 16), or not reachable now
        return name
    return name[0] + "*" * max(1, len(name) - 1)


def borrower_masked(borrower: Mapping[str, Any] | None) -> dict[str, str | None]:
    """Who the borrower is, as lists and queues show it: the masked name (张**) and phone (138****5678).

    The one place a case summary derives personal data (from the loan directory's `loan.disbursed`
    borrower); None for a loan the directory does not know yet.
    """
    borrower = borrower or {}
    phone = borrower.get("phone")
    return {"borrower_name_masked": mask_name(borrower.get("name")),
            "borrower_phone_masked": mask_phone(phone.strip()) if isinstance(phone, str) and phone.strip() else None}
