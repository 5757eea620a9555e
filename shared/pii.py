"""Masking of personal data (resident ID numbers, mobile phones, addresses) for logs, topics and reports."""

from __future__ import annotations

import re
from typing import Any

from shared.datakeys import ERASED, UNAVAILABLE, is_sealed, public_form

ID_NUMBER_RE = re.compile(r"(?<!\d)(\d{6})(\d{8})(\d{3}[\dXx])(?!\d)")
PHONE_RE = re.compile(r"(?<!\d)(1[3-9]\d)(\d{4})(\d{4})(?!\d)")
ADDRESS_KEPT = 6  # leading characters of an address left readable: about province, city and district


def _unmaskable(v: str) -> bool:
    """A sealed value (masked by its own public part: what every mask keeps of it, or opened before
    display) or one whose key is gone ("erased") has nothing to mask: it is shown as it is."""
    return v == ERASED or v == UNAVAILABLE or is_sealed(v)


def mask_id_number(value: str) -> str:
    """110101********1234 style: keep region code and last four (a sealed two-part value: its public,
    masked part)."""
    v = str(value)
    if _unmaskable(v):
        return str(public_form(v))
    if len(v) < 10:
        return "*" * len(v)
    return v[:6] + "*" * (len(v) - 10) + v[-4:]


def mask_phone(value: str) -> str:
    """138****5678 style."""
    v = str(value)
    if _unmaskable(v):
        return str(public_form(v))
    if len(v) < 7:
        return "*" * len(v)
    return v[:3] + "*" * (len(v) - 7) + v[-4:]


def mask_address(value: str) -> str:
    """北京市朝阳区**** style: the leading part (at most six characters, at most half) and stars."""
    if _unmaskable(value):
        return str(public_form(value))
    kept = min(ADDRESS_KEPT, len(value) // 2)
    return value[:kept] + "****"


def mask_text(text: str) -> str:
    """Mask every ID number and mobile number found in free text (a sealed value: its public part)."""
    if _unmaskable(text):
        return str(public_form(text))
    text = ID_NUMBER_RE.sub(lambda m: m.group(1) + "********" + m.group(3)[-4:], text)
    return PHONE_RE.sub(lambda m: m.group(1) + "****" + m.group(3), text)


def mask_any(value: Any) -> Any:
    """Recursively mask strings inside dicts and lists."""
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, dict):
        return {k: mask_any(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [mask_any(v) for v in value]
    return value
