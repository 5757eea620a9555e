"""The rebuild's projection straight from envelope dicts to COPY text lines, without pydantic (pure, no I/O).

`project()` validates every envelope and its data with pydantic (~50 µs an event); a rebuild
replays millions of events that the services already validated when they published them. This
path reads only the fields each projection uses, checks each strictly (type and format; the data
keys the current model requires are present; literals are among the model's choices), and renders
the same values `project()` would store as PostgreSQL text. Anything it is not sure about (an
older `dataschemaversion` that needs upcasting, an unexpected type or format) raises `NeedsModel`,
and the caller projects that event through `project()` instead, so the rows are the same either way.
"""

from __future__ import annotations

import functools
import re
import typing
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import orjson

from services.reporting.domain.masking import mask_data
from services.reporting.domain.projection import Rows, actor_from
from shared.contracts import all_event_types

Lines = dict[str, list[str]]

NULL = "\\N"
_MONEY = re.compile(r"-?\d+(\.\d{1,2})?").fullmatch
_RATE = re.compile(r"-?\d+(\.\d+)?").fullmatch
_DATE = re.compile(r"\d{4}-\d\d-\d\d").fullmatch
_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?(Z|[+-]\d\d:\d\d)").fullmatch


class NeedsModel(Exception):
    """This envelope has to go through the pydantic models (`project()`)."""


# ---- text COPY rendering -------------------------------------------------------------------------

def line(row: tuple[str | None, ...]) -> str:
    """One row in COPY text format (tab separated, `\\N` for NULL, specials escaped)."""
    text = "\t".join([NULL if v is None else v for v in row])
    if text.count("\\") != row.count(None) or text.count("\t") != len(row) - 1 or "\n" in text or "\r" in text:
        text = "\t".join([NULL if v is None else _escape(v) for v in row])
    return text


def _escape(value: str) -> str:
    return (value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r"))


def dumps(value: Any) -> str:
    """JSON text of (masked) event data."""
    try:
        return orjson.dumps(value, default=str).decode()
    except TypeError:  # e.g. an integer beyond 64 bits
        import json

        return json.dumps(value, ensure_ascii=False, default=str, separators=(",", ":"))


def text(value: Any) -> str | None:
    """A projected Python value as PostgreSQL text."""
    if value is None or type(value) is str:
        return value
    if type(value) in (dict, list):
        return dumps(value)
    if type(value) in (date, datetime):
        return value.isoformat()
    if type(value) is Decimal:
        return format(value, "f")
    return str(value)


def lines_of_rows(rows: Rows) -> Lines:
    """The COPY lines of rows `project()` made."""
    return {table: [line(tuple(text(v) for v in row)) for row in tuples] for table, tuples in rows.tables.items()}


# ---- strict field readers ---------------------------------------------------------------------------

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


def req_int(d: dict[str, Any], key: str, default: int | None = None) -> int:
    v = d.get(key, default)
    if type(v) is not int:
        raise NeedsModel(key)
    return v


def opt_int(d: dict[str, Any], key: str) -> str | None:
    v = d.get(key)
    if v is None:
        return None
    if type(v) is not int:
        raise NeedsModel(key)
    return str(v)


# Checked values, remembered: a book repeats the same amounts, days and timestamps over and over.
_SEEN_LIMIT = 100_000
_MONEYS: dict[str, str] = {}
_DAYS: dict[str, date] = {}
_TIMES: set[str] = set()


def _remember(cache: Any) -> Any:
    if len(cache) >= _SEEN_LIMIT:
        cache.clear()
    return cache


def money(d: dict[str, Any], key: str) -> str:
    """A Money field as `parse_amount` gives it: two decimals ("30000" -> "30000.00")."""
    v = d.get(key)
    if type(v) is not str:
        raise NeedsModel(key)
    found = _MONEYS.get(v)
    if found is None:
        if not _MONEY(v):
            raise NeedsModel(key)
        dot = v.find(".")
        found = _remember(_MONEYS)[v] = v + ".00" if dot < 0 else v + "0" * (dot + 3 - len(v))
    return found


def rate(d: dict[str, Any], key: str) -> str:
    v = d.get(key)
    if type(v) is not str or not _RATE(v):
        raise NeedsModel(key)
    return v


def date_text(d: dict[str, Any], key: str) -> str:
    day(d, key)
    return d[key]


def choice(d: dict[str, Any], key: str, choices: frozenset[Any]) -> Any:
    v = d.get(key)
    if (v is not None and type(v) is not str) or v not in choices:
        raise NeedsModel(key)
    return v


@functools.cache
def literals(model: Any, field: str) -> frozenset[Any]:
    """The values a Literal (or optional Literal) field of a model accepts."""
    info = model.model_fields[field]
    found: set[Any] = set() if info.is_required() else {None}
    stack = [info.annotation]
    while stack:
        tp = stack.pop()
        if tp is type(None):
            found.add(None)
        elif typing.get_origin(tp) is typing.Literal:
            found.update(typing.get_args(tp))
        else:
            stack.extend(typing.get_args(tp))
    return frozenset(found)


MODELS = all_event_types()
REQUIRED = {t: frozenset(n for n, f in m.model_fields.items() if f.is_required()) for t, m in MODELS.items()}
FIELDS = {t: frozenset(m.model_fields) for t, m in MODELS.items()}
VERSION = {t: m.class_version for t, m in MODELS.items()}


def _nullable(model: Any, field: str) -> bool:
    """Whether `field` of `model` ends up None when given None or left out with its None default."""
    info = model.model_fields[field]
    return type(None) in typing.get_args(info.annotation) or info.annotation is type(None)


NULLABLE = {t: frozenset(n for n in m.model_fields if _nullable(m, n)) for t, m in MODELS.items()}
NONE_DEFAULT = {t: frozenset(n for n, f in m.model_fields.items() if not f.is_required() and f.default is None)
                 for t, m in MODELS.items()}


def field_str(d: dict[str, Any], key: str, event_type: str) -> str | None:
    """A str field as the current model of `event_type` gives it (None when the model lacks the field)."""
    if key not in FIELDS[event_type]:
        return None
    v = d.get(key)
    if type(v) is str:
        return v
    if v is None and (key in NULLABLE[event_type] or (key not in d and key in NONE_DEFAULT[event_type])):
        return None
    raise NeedsModel(key)


def parts(d: dict[str, Any], key: str, model: Any) -> list[dict[str, Any]]:
    """A required list of nested parts, each a dict holding the part model's required keys."""
    v = d.get(key)
    if type(v) is not list:
        raise NeedsModel(key)
    required = _part_required(model)
    for item in v:
        if type(item) is not dict or not required <= item.keys():
            raise NeedsModel(key)
    return v


def part(d: dict[str, Any], key: str, model: Any) -> dict[str, Any]:
    """A required nested part: a dict holding the part model's required keys."""
    v = d.get(key)
    if type(v) is not dict or not _part_required(model) <= v.keys():
        raise NeedsModel(key)
    return v


_PARTREQUIRED: dict[Any, frozenset[str]] = {}


def _part_required(model: Any) -> frozenset[str]:
    found = _PARTREQUIRED.get(model)
    if found is None:
        found = _PARTREQUIRED[model] = frozenset(n for n, f in model.model_fields.items() if f.is_required())
    return found


def day(d: dict[str, Any], key: str) -> date:
    """A date field (ISO text) as a date."""
    v = d.get(key)
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


def anchor(businessdate: date, days_past_due: int) -> str:
    """`projection.dpd_anchor` as text."""
    return (businessdate - timedelta(days=days_past_due)).isoformat()


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
        self.sequence = str(req_int(env, "sequence", 0))
        self.day = day(env, "businessdate")
        self.businessdate = env["businessdate"]
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


# What `mask_data` could change: a personal key, an 11-digit run, or an escape (any backslash) hiding either.
_DIGITS = bytes(48 if chr(i).isdigit() else 32 for i in range(256))  # digit -> "0", else " "


def _maybe_personal(raw: bytes) -> bool:
    """Whether masking could change anything in this record (substring tests, no regex: ~30x faster)."""
    return (b'"name"' in raw or b'"phone"' in raw or b'"mobile"' in raw or b'"id_number' in raw
            or b"\\" in raw or b"00000000000" in raw.translate(_DIGITS))


def event_line(e: Envelope, loan_id: str | None, application_id: str | None, raw: bytes | None = None) -> str:
    """The event-log row (`rpt_events`): envelope, actor and masked data.

    With the record's `raw` bytes, data that cannot hold personal fields skips the masking walk.
    """
    data = e.data if raw is not None and not _maybe_personal(raw) else mask_data(e.data)
    return line((e.id, loan_id, application_id, e.subject, e.type, e.source, e.sequence, e.businessdate, e.time,
                 e.causationid, e.correlationid, actor_from(e.data, e.source), dumps(data)))

