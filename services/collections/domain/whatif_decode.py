"""The what-if replay's pydantic-free decoder of recorded event data (pure, no I/O).

`parse_data` validates every event with pydantic (tens of µs an event); the what-if replays
events the service already validated when it recorded them. This decoder is derived from the
same contract models (`shared/contracts`): for each event type, once, a reader per field from
the field's annotation (str, int, bool, a Literal's values, dates, datetimes, Money as two-decimal
text, optional and list forms); a decoded event is built as `model_construct` builds one, so it is the
same model instance `parse_data` would give (compared event by event in the tests). A field type
without a reader here (a nested model, a rate, a constrained number) is validated by pydantic for
that field alone; an older `dataschemaversion` (upcasting) or a value of another type or format
sends the whole event through `parse_data` instead.
"""

from __future__ import annotations

import re
import types
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import TypeAdapter, ValidationError

from shared.contracts.registry import EventData, latest_version, model_for, upcast
from shared.money import money_str, parse_amount

Reader = Callable[[Any], Any]
_MONEY = re.compile(r"-?\d{1,15}\.\d\d").fullmatch
_DATE = re.compile(r"\d{4}-\d\d-\d\d").fullmatch
_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?(Z|[+-]\d\d:\d\d)?").fullmatch
_MISSING = object()


class NeedsModel(Exception):
    """This event's data has to go through the pydantic model (`parse_data`)."""


def _str(v: Any) -> Any:
    if type(v) is not str:
        raise NeedsModel
    return v


def _int(v: Any) -> Any:
    if type(v) is not int:
        raise NeedsModel
    return v


def _bool(v: Any) -> Any:
    if type(v) is not bool:
        raise NeedsModel
    return v


_DAYS: dict[str, date] = {}


def _date(v: Any) -> date:
    found = _DAYS.get(v) if type(v) is str else None
    if found is None:
        if type(v) is not str or not _DATE(v):
            raise NeedsModel
        try:
            found = date.fromisoformat(v)
        except ValueError:
            raise NeedsModel from None
        if len(_DAYS) > 50_000:
            _DAYS.clear()
        _DAYS[v] = found
    return found


def read_day(v: Any) -> date:
    """An ISO date (an envelope's `businessdate`), remembered: a history repeats its days."""
    return _date(v)


def _datetime(v: Any) -> datetime:
    if type(v) is not str or not _TIME(v):
        raise NeedsModel
    try:
        return datetime.fromisoformat(v)
    except ValueError:
        raise NeedsModel from None


def _money(v: Any) -> Decimal:
    """Money as `parse_amount` gives it, for the contract's own form (two decimals as text)."""
    if type(v) is not str or not _MONEY(v):
        raise NeedsModel
    return Decimal(v)


def _literal(values: tuple[Any, ...]) -> Reader:
    allowed = frozenset(values)

    def read(v: Any) -> Any:
        if type(v) not in (str, int) or v not in allowed:
            raise NeedsModel
        return v
    return read


def _optional(inner: Reader) -> Reader:
    def read(v: Any) -> Any:
        return None if v is None else inner(v)
    return read


def _list_of(inner: Reader) -> Reader:
    def read(v: Any) -> Any:
        if type(v) is not list:
            raise NeedsModel
        return [inner(x) for x in v]
    return read


def _plain_dict(v: Any) -> Any:
    """A JSON object kept as decoded (pydantic's dict[str, Any] gives an equal dict)."""
    if type(v) is not dict:
        raise NeedsModel
    return v


def _adapted(annotation: Any, metadata: list[Any]) -> Reader:
    """A field type without a reader of its own (a nested model, a rate, a constrained number) validated by
    pydantic for that field alone, as the model validates it."""
    adapter: TypeAdapter[Any] = TypeAdapter(Annotated[(annotation, *metadata)] if metadata else annotation)

    def read(v: Any) -> Any:
        try:
            return adapter.validate_python(v)
        except ValidationError:
            raise NeedsModel from None
    return read


def reader_for(annotation: Any, metadata: list[Any]) -> Reader:
    """The reader of a field's annotation: a strict one of this module's, else pydantic's for the field."""
    origin = get_origin(annotation)
    if metadata:
        if annotation is Decimal and any(getattr(m, "func", None) is parse_amount for m in metadata) \
                and all(getattr(m, "func", None) in (parse_amount, money_str) for m in metadata):
            return _money
        return _adapted(annotation, metadata)
    if origin is Union or origin is types.UnionType:
        args = [a for a in get_args(annotation) if a is not type(None)]
        if len(args) == 1 and len(get_args(annotation)) == 2:
            return _optional(reader_for(args[0], []))
        return _adapted(annotation, metadata)
    if origin is Literal:
        return _literal(get_args(annotation))
    if origin is list and get_args(annotation):
        return _list_of(reader_for(get_args(annotation)[0], []))
    if origin is dict and get_args(annotation) == (str, Any):
        return _plain_dict
    simple = {str: _str, int: _int, bool: _bool, date: _date, datetime: _datetime}.get(annotation)
    return simple if simple is not None else _adapted(annotation, metadata)


Decoder = Callable[[dict[str, Any]], EventData]


def _default(info: Any) -> tuple[bool, Any] | None:
    """(call it?, the default or a maker of a fresh one), as validation would set an absent field; None:
    a default this module does not copy the way pydantic does."""
    if info.default_factory is not None:
        return True, info.default_factory
    value = info.default
    if value is None or type(value) in (str, int, bool, Decimal, date, datetime, tuple, frozenset):
        return False, value
    if type(value) is list and not value:
        return True, list
    if type(value) is dict and not value:
        return True, dict
    return None


def _compile(model: type[EventData]) -> Decoder | None:
    if model.__pydantic_post_init__ or model.__pydantic_root_model__ or model.model_config.get("extra") == "allow":
        return None
    fields: list[tuple[str, Reader, tuple[bool, Any] | None]] = []
    for name, info in model.model_fields.items():
        if (info.alias is not None and info.alias != name) or info.validation_alias is not None:
            return None
        read = reader_for(info.annotation, list(info.metadata))
        default = None if info.is_required() else _default(info)
        if default is None and not info.is_required():
            return None
        fields.append((name, read, default))
    new, setattr_ = model.__new__, object.__setattr__

    def decode(data: dict[str, Any]) -> EventData:
        """What `model_construct` does (the fields, the fields set, no extra, no private), for checked values."""
        values: dict[str, Any] = {}
        given = set()
        for name, read, default in fields:
            v = data.get(name, _MISSING)
            if v is _MISSING:
                if default is None:  # required
                    raise NeedsModel
                values[name] = default[1]() if default[0] else default[1]
            else:
                values[name] = read(v)
                given.add(name)
        m = new(model)
        setattr_(m, "__dict__", values)
        setattr_(m, "__pydantic_fields_set__", given)
        setattr_(m, "__pydantic_extra__", None)
        setattr_(m, "__pydantic_private__", None)
        return m
    return decode


_DECODERS: dict[str, Decoder | None] = {}


def decoder_for(event_type: str) -> Decoder | None:
    """The type's derived decoder, compiled once; None when its model has a field this module cannot read."""
    if event_type not in _DECODERS:
        _DECODERS[event_type] = _compile(model_for(event_type))
    return _DECODERS[event_type]


def decode(event_type: str, version: int, data: dict[str, Any]) -> EventData:
    """The event's data as its current model — the same value `parse_data` gives, without pydantic's
    validation when the derived decoder can read it, else through the model (upcast first)."""
    if version == latest_version(event_type):
        fast = decoder_for(event_type)
        if fast is not None:
            try:
                return fast(data)
            except NeedsModel:
                pass
    model = model_for(event_type)
    return model.model_validate(upcast(event_type, version, data))
