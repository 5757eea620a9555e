"""Personal data never reaches a report: names, ID numbers and phones are masked on the way in."""

from __future__ import annotations

import hashlib
from typing import Any

from shared.pii import mask_any, mask_id_number, mask_phone

_NAME_KEYS = {"name"}
_PHONE_KEYS = {"phone", "mobile"}
_ID_KEYS = {"id_number", "id_number_masked"}


def mask_name(name: str) -> str:
    """张三丰 -> 张**: keep the family name only."""
    name = str(name)
    return name[:1] + "*" * (len(name) - 1) if len(name) > 1 else "*"


def mask_data(value: Any) -> Any:
    """Mask personal fields (by key) and any ID or mobile number in free text, recursively."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            if key in _NAME_KEYS and isinstance(item, str):
                out[key] = mask_name(item)
            elif key in _PHONE_KEYS and isinstance(item, str):
                out[key] = mask_phone(item)
            elif key in _ID_KEYS and isinstance(item, str):
                out[key] = item if "*" in item else mask_id_number(item)
            else:
                out[key] = mask_data(item)
        return out
    if isinstance(value, list):
        return [mask_data(v) for v in value]
    return mask_any(value)


def borrower_key(name: str, id_number_masked: str) -> str:
    """A stable pseudonymous key for one borrower (concentration groups loans by it)."""
    return hashlib.sha256(f"{name}|{id_number_masked}".encode()).hexdigest()[:16]


def borrower_label(name: str, id_number_masked: str) -> str:
    """What a report may show of a borrower: masked name and masked ID number."""
    masked_id = id_number_masked if "*" in id_number_masked else mask_id_number(id_number_masked)
    return f"{mask_name(name)} {masked_id}"
