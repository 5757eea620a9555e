"""Strict readers for the rebuild's pydantic-free projection (pure, no I/O).

`project()` validates every envelope and its data with pydantic (~50 µs an event); a rebuild
replays millions of events that the services already validated when they published them. The
fast path (`fastproject`) reads only the fields `spec.SPEC` names, checks each strictly with the
readers here (type and format as the contract's field type demands), and yields the same values
`project()` would store, as PostgreSQL text. Anything it is not sure about (an older
`dataschemaversion` that needs upcasting, an unexpected type or format) raises `NeedsModel`, and
the caller projects that event through `project()` instead, so the rows are the same either way.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import orjson

from services.reporting.domain.masking import mask_data

_MONEY = re.compile(r"-?\d+(\.\d{1,2})?").fullmatch
_RATE = re.compile(r"-?\d+(\.\d+)?").fullmatch
_DATE = re.compile(r"\d{4}-\d\d-\d\d").fullmatch
_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?(Z|[+-]\d\d:\d\d)").fullmatch


class NeedsModel(Exception):
    """This envelope has to go through the pydantic models (`project()`)."""


# Checked values, remembered: a book repeats the same amounts, days and timestamps over and over.
_SEEN_LIMIT = 100_000
_MONEYS: dict[str, str] = {}
_DAYS: dict[str, date] = {}
_TIMES: set[str] = set()


def _remember(cache: Any) -> Any:
    if len(cache) >= _SEEN_LIMIT:
        cache.clear()
    return cache


# ---- value checks: (value, key) -> the value as the contract model would hold it ------------------
# `*_text` give it as PostgreSQL text (the rows); `*_value` as the Python value (inputs of `Derived`).

def str_text(v: Any, key: str) -> str:
    if type(v) is not str:
        raise NeedsModel(key)
    return v


def int_value(v: Any, key: str) -> int:
    if type(v) is not int:
        raise NeedsModel(key)
    return v


def int_text(v: Any, key: str) -> str:
    if type(v) is not int:
        raise NeedsModel(key)
    return str(v)


def money_text(v: Any, key: str) -> str:
    """A Money field as `parse_amount` gives it: two decimals ("30000" -> "30000.00")."""
    if type(v) is not str:
        raise NeedsModel(key)
    found = _MONEYS.get(v)
    if found is None:
        if not _MONEY(v):
            raise NeedsModel(key)
        dot = v.find(".")
        found = _remember(_MONEYS)[v] = v + ".00" if dot < 0 else v + "0" * (dot + 3 - len(v))
    return found


def money_value(v: Any, key: str) -> Decimal:
    return Decimal(money_text(v, key))


def rate_text(v: Any, key: str) -> str:
    if type(v) is not str or not _RATE(v):
        raise NeedsModel(key)
    return v


def rate_value(v: Any, key: str) -> Decimal:
    return Decimal(rate_text(v, key))


def date_value(v: Any, key: str) -> date:
    """A date (ISO text) as a date."""
    if type(v) is not str:
        raise NeedsModel(key)
    found = _DAYS.get(v)
    if found is None:
        if not _DATE(v):
            raise NeedsModel(key)
        try:
            found = _remember(_DAYS)[v] = date.fromisoformat(v)
        except ValueError:
            raise NeedsModel(key)
    return found


def date_text(v: Any, key: str) -> str:
    date_value(v, key)
    return str(v)


# ---- the envelope ------------------------------------------------------------------------------------

def req_str(d: dict[str, Any], key: str) -> str:
    v = d.get(key)
    if type(v) is not str:
        raise NeedsModel(key)
    return v


def opt_str(d: dict[str, Any], key: str) -> str | None:
    v = d.get(key)
    if v is not None and type(v) is not str:
        raise NeedsModel(key)
    return v


class Envelope:
    """The envelope fields a projection uses, checked as `CloudEvent` would check them."""

    __slots__ = (
        "businessdate",
        "causationid",
        "correlationid",
        "data",
        "day",
        "id",
        "sequence",
        "source",
        "subject",
        "time",
        "type",
    )

    def __init__(self, env: dict[str, Any]) -> None:
        if env.get("specversion", "1.0") != "1.0" or env.get("datacontenttype", "application/json") != \
                "application/json":
            raise NeedsModel("envelope")
        self.id, self.type, self.source = req_str(env, "id"), req_str(env, "type"), req_str(env, "source")
        self.subject, self.correlationid = req_str(env, "subject"), req_str(env, "correlationid")
        self.causationid = opt_str(env, "causationid")
        self.sequence = int_text(env.get("sequence", 0), "sequence")
        self.businessdate = env.get("businessdate")
        self.day = date_value(self.businessdate, "businessdate")
        time = env.get("time")
        if type(time) is not str:
            raise NeedsModel("time")
        if time not in _TIMES:
            if not _TIME(time):
                raise NeedsModel("time")
            try:
                datetime.fromisoformat(time)
            except ValueError:
                raise NeedsModel("time")
            _remember(_TIMES).add(time)
        self.time = time
        data = env.get("data")
        if type(data) is not dict:
            raise NeedsModel("data")
        self.data = data


def pg_text(value: Any) -> str | None:
    """A projected Python value as PostgreSQL text (what the fast path yields for it)."""
    if value is None or type(value) is str:
        return value
    if type(value) in (dict, list):
        return dumps(value)
    if type(value) in (date, datetime):
        return value.isoformat()
    if type(value) is Decimal:
        return format(value, "f")
    return str(value)


# ---- the event log's data column ---------------------------------------------------------------------

def dumps(value: Any) -> str:
    """JSON text of (masked) event data."""
    try:
        return orjson.dumps(value, default=str).decode()
    except TypeError:  # e.g. an integer beyond 64 bits
        return json.dumps(value, ensure_ascii=False, default=str, separators=(",", ":"))


# What `mask_data` could change: a personal key (addresses too), an 11-digit run, or an escape hiding either.
_DIGITS = bytes(48 if chr(i).isdigit() else 32 for i in range(256))  # digit -> "0", else " "


def _maybe_personal(raw: bytes) -> bool:
    """Whether masking could change anything in this record (substring tests, no regex: ~30x faster)."""
    return (b'"name"' in raw or b'"phone"' in raw or b'"mobile"' in raw or b'"id_number' in raw
            or b'"address"' in raw or b'"home"' in raw or b'"work"' in raw
            or b"\\" in raw or b"00000000000" in raw.translate(_DIGITS))


def masked_data_json(e: Envelope, raw: bytes | None = None) -> str:
    """The event log's `data`: masked, as JSON text.

    With the record's `raw` bytes, data that cannot hold personal fields skips the masking walk.
    """
    return dumps(e.data if raw is not None and not _maybe_personal(raw) else mask_data(e.data))
