"""Personal data never reaches a report: names, ID numbers, phones and addresses are masked on the way in.

Fields sealed with the borrower's data key (issue 16) are kept sealed in the read models and opened, then
masked, only when a report is shown (`shown`): once the key is destroyed they show "erased", and a rebuild
needs no key at all.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from shared.datakeys import ERASED, UNAVAILABLE, Keys, is_sealed, key_id_of, open_value
from shared.pii import mask_address, mask_id_number, mask_phone, mask_text

_NAME_KEYS = {"name"}
_PHONE_KEYS = {"phone", "mobile"}
_ID_KEYS = {"id_number", "id_number_masked"}
# A borrower's `addresses {home, work}`, an employer's `address`, a letter's `address` (masked as origination does).
_ADDRESS_KEYS = {"address", "home", "work"}
# Only text holding 11+ consecutive digits can carry a mobile or ID number.
_LONG_NUMBER = re.compile(r"\d{11}")


def mask_name(name: str) -> str:
    """张三丰 -> 张**: keep the family name only."""
    name = str(name)
    if name in (ERASED, UNAVAILABLE):
        return name
    return name[:1] + "*" * (len(name) - 1) if len(name) > 1 else "*"


def mask_data(value: Any) -> Any:
    """Mask personal fields (by key) and any ID or mobile number in free text, recursively."""
    kind = type(value)
    if kind is dict:
        out: dict[str, Any] = {}
        for key, item in value.items():
            if type(item) is str:
                if item.startswith("pii:v1:"):
                    pass  # sealed: kept as it is, masked when shown (see `shown`)
                elif key in _NAME_KEYS:
                    item = mask_name(item)
                elif key in _PHONE_KEYS:
                    item = mask_phone(item)
                elif key in _ID_KEYS:
                    item = item if "*" in item else mask_id_number(item)
                elif key in _ADDRESS_KEYS:  # already masked on a topic: 北京市朝阳区**** or 北京市朝阳区…
                    item = item if "*" in item or "…" in item else mask_address(item)
                elif _LONG_NUMBER.search(item):
                    item = mask_text(item)
                out[key] = item
            elif type(item) in (dict, list):
                out[key] = mask_data(item)
            else:
                out[key] = item
        return out
    if kind is list:
        return [mask_data(v) for v in value]
    if kind is str and not value.startswith("pii:v1:") and _LONG_NUMBER.search(value):
        return mask_text(value)
    return value


def borrower_key(name: str, id_number_masked: str) -> str:
    """A stable pseudonymous key for one borrower (concentration groups loans by it): the borrower's data
    key id when the fields are sealed (the same person keeps one key)."""
    if is_sealed(name):
        return key_id_of(name)
    return hashlib.sha256(f"{name}|{id_number_masked}".encode()).hexdigest()[:16]


def borrower_label(name: str, id_number_masked: str) -> str:
    """What a report may show of a borrower: masked name and masked ID number (sealed: both sealed values,
    opened by `shown`)."""
    if is_sealed(name):
        return f"{name} {id_number_masked}"
    masked_id = id_number_masked if "*" in id_number_masked else mask_id_number(id_number_masked)
    return f"{mask_name(name)} {masked_id}"


def shown(value: Any, keys: Keys, field: str = "", *, masked: bool = True) -> Any:
    """A report or timeline as shown: every sealed value opened with `keys` and masked as on the way in
    ("erased" when its key is destroyed); a sealed borrower label gives the masked label. Unmasked
    (`masked=False`: an audited export, see `service_layer/personal.py`) the opened text is shown as it is."""
    kind = type(value)
    if kind is str:
        if not value.startswith("pii:v1:"):
            return value
        if " " in value:  # a borrower label: sealed name and sealed masked ID number
            name, _, id_masked = value.partition(" ")
            name, id_masked = open_value(name, keys), open_value(id_masked, keys)
            gone = next((v for v in (name, id_masked) if v in (ERASED, UNAVAILABLE)), None)
            return gone or (borrower_label(name, id_masked) if masked else f"{name} {id_masked}")
        opened = open_value(value, keys)
        if opened in (ERASED, UNAVAILABLE) or not masked:
            return opened
        return mask_data({field: opened})[field] if field else mask_text(opened)
    if kind is dict:
        return {k: shown(v, keys, k, masked=masked) for k, v in value.items()}
    if kind is list:
        return [shown(v, keys, field, masked=masked) for v in value]
    return value
