"""`projection.project()` for the rebuild: envelope dict -> rows of PostgreSQL text, without pydantic.

The rows are `spec.SPEC`'s: each data column is read from the JSON dict and checked by the reader
its field's type in the contract model calls for (`fastpath`), so the rows equal `project()`'s
(compared event by event in tests/reporting/test_fastpath.py). Each type's entry is compiled once
into one function (its source is the function's `__doc__`), as fast as a hand-written projector.
"""

from __future__ import annotations

import typing
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from types import NoneType, UnionType
from typing import Annotated, Any, NamedTuple

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from services.reporting.domain import fastpath as fp
from services.reporting.domain.fastpath import Envelope, NeedsModel
from services.reporting.domain.projection import Tables, actor_from
from services.reporting.domain.spec import LINE_NO, MODELS, SPEC, Column, Const, Meta, Row, field_of, source_of
from shared.money import Money, Rate

Check = Callable[[Any, str], Any]  # (value, key) -> the value as the contract's field type holds it
Reader = Callable[[dict[str, Any]], Any]
_MISSING = object()


def project_envelope(env: dict[str, Any], raw: bytes | None = None) -> tuple[str, Tables]:
    """The event id and the rows (PostgreSQL text) of one envelope (parsed from `raw`, when given).

    Raises `NeedsModel` when `project()` must do it.
    """
    e = Envelope(env)
    data = e.data
    compiled = _COMPILED.get(e.type)
    if compiled is None:
        loan_id, application_id = data.get("loan_id"), data.get("application_id")
        if (loan_id is not None and type(loan_id) is not str) or \
                (application_id is not None and type(application_id) is not str):
            raise NeedsModel("ids")
        return e.id, {"events": [_event_row(e, loan_id, application_id, raw)]}
    if env.get("dataschemaversion", 1) != compiled.version or not compiled.required <= data.keys():
        raise NeedsModel("version")  # upcast (or refused) by parse_data
    return e.id, compiled.project(e, data, raw)


def _event_row(e: Envelope, loan_id: str | None, application_id: str | None, raw: bytes | None) -> tuple[Any, ...]:
    """The event-log row (`rpt_events`): envelope, actor and masked data."""
    return (e.id, loan_id, application_id, e.subject, e.type, e.source, e.sequence, e.businessdate, e.time,
            e.causationid, e.correlationid, actor_from(e.data, e.source), fp.masked_data_json(e, raw))


# ---- compiling `SPEC` -----------------------------------------------------------------------------------

class _Compiled(NamedTuple):
    version: int
    required: frozenset[str]
    project: Callable[[Envelope, dict[str, Any], bytes | None], Tables]  # the event log's row and the type's rows


def _check(model: type[BaseModel], name: str, as_text: bool) -> tuple[Check, bool]:
    """The check a field's contract type calls for, and whether None is a value of that type."""
    info = model.model_fields[name]
    tp: Any = Annotated[(info.annotation, *info.metadata)] if info.metadata else info.annotation
    args = typing.get_args(tp) if typing.get_origin(tp) in (typing.Union, UnionType) else (tp,)
    nullable = NoneType in args
    base = [a for a in args if a is not NoneType]
    tp = base[0] if len(base) == 1 else None
    if typing.get_origin(tp) is typing.Literal:
        choices = frozenset(typing.get_args(tp))

        def choice(v: Any, key: str) -> Any:
            if type(v) is not str or v not in choices:
                raise NeedsModel(key)
            return v

        return choice, nullable
    checks = {str: (fp.str_text, fp.str_text), int: (fp.int_text, fp.int_value),
              date: (fp.date_text, fp.date_value), Money: (fp.money_text, fp.money_value),
              Rate: (fp.rate_text, fp.rate_value)}
    for kind, (text, value) in checks.items():
        if tp == kind:
            return (text if as_text else value), nullable
    raise TypeError(f"no fast reader for {model.__name__}.{name}: {info.annotation}")


def _reader(model: type[BaseModel], name: str, check: Check, nullable: bool) -> Reader:
    """Read field `name` from a dict as the model would: its default when absent, None only where allowed."""
    info: FieldInfo = model.model_fields[name]
    if info.is_required():  # present: the data's (or part's) required keys were checked before
        if nullable:
            return lambda d: None if (v := d[name]) is None else check(v, name)
        return lambda d: check(d[name], name)
    # a default as the JSON holds such a value (a Decimal default, e.g. Money "0.00", is a string there)
    given = format(info.default, "f") if isinstance(info.default, Decimal) else info.default
    default = None if info.default is None or info.default_factory else check(given, name)

    def read(d: dict[str, Any]) -> Any:
        v = d.get(name, _MISSING)
        if v is _MISSING:
            if info.default_factory:
                raise NeedsModel(name)
            return default
        if v is None:
            if nullable:
                return None
            raise NeedsModel(name)
        return check(v, name)

    return read


class _Source:
    """Python source of one event type's projection: an expression per column, the objects used bound to names."""

    def __init__(self, model: type[BaseModel]) -> None:
        self.model = model
        self.names: dict[str, Any] = {"_event_row": _event_row}

    def bind(self, value: Any) -> str:
        name = f"_{len(self.names)}"
        self.names[name] = value
        return name

    def column(self, row: Row, column: Column, as_text: bool = True) -> str:
        if isinstance(column, str):
            return self.field(row, column, as_text)
        if isinstance(column, Meta):
            if column == LINE_NO:
                return "str(i)" if as_text else "i"
            if as_text:
                return f"e.{column.name}"
            return {"businessdate": "e.day", "sequence": "int(e.sequence)"}.get(column.name, f"e.{column.name}")
        if isinstance(column, Const):
            return self.bind(fp.pg_text(column.value) if as_text else column.value)
        call = f"{self.bind(column.fn)}({', '.join(self.column(row, arg, as_text=False) for arg in column.args)})"
        return f"{self.bind(fp.pg_text)}({call})" if as_text else call

    def field(self, row: Row, column: str, as_text: bool) -> str:
        """A data column: checked by the reader its contract type calls for (a required one in one call)."""
        holder, name = field_of(self.model, row, column)
        check, nullable = _check(holder, name, as_text)
        source = "x" if "." in column else "d"
        if holder.model_fields[name].is_required() and not nullable:
            return f"{self.bind(check)}({source}[{name!r}], {name!r})"
        return f"{self.bind(_reader(holder, name, check, nullable))}({source})"

    def event_id_column(self, name: str) -> str:
        """The event log's loan or application id: the data's field, if the model has one."""
        return self.field(Row("events"), name, as_text=True) if name in self.model.model_fields else "None"


def _compile(model: type[BaseModel], rows: tuple[Row, ...]) -> _Compiled:
    """The projection of one event type compiled to a function (as `dataclasses` compiles `__init__`)."""
    source = _Source(model)
    code = ["def project(e, d, raw):",
            f"    rows = {{'events': [_event_row(e, {source.event_id_column('loan_id')}, "
            f"{source.event_id_column('application_id')}, raw)]}}"]
    filled = {"events"}
    for row in rows:
        values = ", ".join(source.column(row, column) for column in row.columns)
        table = repr(row.table)
        if row.of is None:
            add = f"rows[{table}] = [({values},)]" if row.table not in filled else \
                f"rows.setdefault({table}, []).append(({values},))"
            code.append(f"    {add}")
            filled.add(row.table)
        else:
            items = source.bind(_items(model, row.of))
            code += [f"    found = [({values},) for i, x in enumerate({items}(d))]",
                     "    if found:",
                     f"        rows.setdefault({table}, []).extend(found)"]
    code.append("    return rows")
    text = "\n".join(code)
    exec(text, source.names)  # the source is built above from `SPEC` and the contract models only
    project = source.names["project"]
    project.__doc__ = f"The rows of {model.__name__}:\n{text}"
    required = frozenset(n for n, f in model.model_fields.items() if f.is_required())
    return _Compiled(getattr(model, "class_version", 1), required, project)


def _items(model: type[BaseModel], of: str) -> Reader:
    """The row's part (as a one-item tuple) or list of parts, each a dict holding the part's required keys.

    No rows (`()`) when the field is absent with a None default, or None where the model allows None.
    """
    part, is_list = source_of(model, of)
    keys = frozenset(n for n, f in part.model_fields.items() if f.is_required())
    info = model.model_fields[of]
    if not info.is_required() and info.default is not None:
        raise TypeError(f"{model.__name__}.{of}: a part with a default other than None")
    nullable = NoneType in typing.get_args(info.annotation)

    def items(d: dict[str, Any]) -> Any:
        v = d.get(of, _MISSING)
        if v is _MISSING or v is None:
            if v is None and not nullable:
                raise NeedsModel(of)
            return ()
        found = (v,) if not is_list else v if type(v) is list else None
        if found is None:
            raise NeedsModel(of)
        for item in found:
            if type(item) is not dict or not keys <= item.keys():
                raise NeedsModel(of)
        return found

    return items


_COMPILED = {event_type: _compile(MODELS[event_type], rows) for event_type, rows in SPEC.items()}
