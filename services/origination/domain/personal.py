"""Which parts of an application are personal data, and their masked form (issue 16: masked by default).

ID numbers, phones and addresses are personal: `GET /applications/{id}` shows them masked unless a
loan officer reveals them with a reason (recorded in the access audit). Names, incomes and the
credit report are shown as they are.
"""

from __future__ import annotations

from typing import Any

from services.origination.domain.errors import NotPermitted
from shared.pii import mask_address, mask_id_number, mask_phone

LOAN_OFFICERS = ("client_manager", "team_manager", "credit_manager")  # who may reveal an application's data


def masked_person(person: dict[str, Any]) -> dict[str, Any]:
    """A person's JSON (applicant, contact, guarantor) with ID number, phones and addresses masked,
    in its nested parts too (`addresses {home, work}`, `employer {name, address, phone}`)."""
    out: dict[str, Any] = {}
    for key, value in person.items():
        if isinstance(value, dict):
            out[key] = masked_person(value)
        elif isinstance(value, str) and value and key in _MASKS:
            out[key] = _MASKS[key](value)
        else:
            out[key] = value
    return out


_MASKS = {"id_number": mask_id_number, "phone": mask_phone,
          "address": mask_address, "home": mask_address, "work": mask_address}


def check_reveal(roles: frozenset[str]) -> None:
    """Issue 16: revealing personal data is allowed to loan officers (admin and reporting read it masked)."""
    if not roles & set(LOAN_OFFICERS):
        raise NotPermitted("personal data is revealed to loan officers only (" + ", ".join(LOAN_OFFICERS) + ")",
                           code="reveal_not_permitted")
