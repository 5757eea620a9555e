"""Turn one published event into the read-model rows it contributes (pure, no I/O): the pydantic path.

The rows are `spec.SPEC`'s, read from the event's validated data model (Python values).

Every row is keyed by the event id (or a natural key of the event), so applying an event
twice changes nothing, and every report is computed from these rows at query time by
business date and per-stream sequence, so delivery order does not matter either.
Unknown event types still land in the event log (for the loan timeline); unknown fields
are ignored by the contract models, and old versions are upcast by `parse_data`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from services.reporting.domain.masking import mask_data
from services.reporting.domain.spec import LINE_NO, MODELS, SPEC, Column, Const, Meta, Row, field_of
from shared.contracts import CloudEvent, UnknownEventType, parse_data

_ACTOR_FIELDS = ("disbursed_by", "reviewer", "investigator", "approved_by", "rejected_by", "submitted_by",
                 "amended_by", "decided_by", "proposed_by", "assigned_by", "opened_by", "resolved_by", "tagged_by",
                 "changed_by", "recorded_by", "placed_by", "recalled_by", "collector")


Tables = dict[str, list[tuple[Any, ...]]]


@dataclass
class Rows:
    """Rows for each read-model table, as tuples in the column order of the adapter."""

    tables: Tables = field(default_factory=dict)

    def add(self, table: str, row: tuple[Any, ...]) -> None:
        rows = self.tables.get(table)
        if rows is None:
            self.tables[table] = [row]
        else:
            rows.append(row)

    def extend(self, other: Rows) -> None:
        for table, rows in other.tables.items():
            mine = self.tables.get(table)
            if mine is None:
                self.tables[table] = list(rows)
            else:
                mine.extend(rows)

    def of(self, table: str) -> list[tuple[Any, ...]]:
        return self.tables.get(table, [])

    def count(self) -> int:
        return sum(len(rows) for rows in self.tables.values())


def actor_of(event: CloudEvent) -> str:
    """Who made an event happen: the person named in it, the partner, else the publishing service."""
    return actor_from(event.data, event.source)


def actor_from(data: dict[str, Any], source: str) -> str:
    """`actor_of` on an event's data and source."""
    for key in _ACTOR_FIELDS:
        if data.get(key):
            return str(data[key])
    if data.get("partner_id"):
        return f"partner:{data['partner_id']}"
    return f"system:{source}"


def project(event: CloudEvent) -> Rows:
    """The rows one event contributes to the read models."""
    rows = Rows()
    builders = _BUILDERS.get(event.type)
    model: Any = None
    if builders is not None:
        try:
            model = parse_data(event)
        except (UnknownEventType, ValueError):
            model = None  # a version we cannot read: only the event log keeps it
    fields = model.__dict__ if model is not None else event.data
    rows.add("events", (event.id, fields.get("loan_id"), fields.get("application_id"), event.subject, event.type,
                        event.source, event.sequence, event.businessdate, event.time, event.causationid,
                        event.correlationid, actor_of(event), mask_data(event.data)))
    if builders is not None and model is not None:
        for build in builders:
            build(rows, event, model)
    return rows


# ---- `SPEC` read from the data model -----------------------------------------------------------------

Getter = Callable[[CloudEvent, Any, Any, int], Any]  # (event, data model, the row's part or item, its index)
Builder = Callable[[Rows, CloudEvent, Any], None]


def _getter(model: Any, row: Row, column: Column) -> Getter:
    if isinstance(column, str):
        _, name = field_of(model, row, column)
        if "." in column:
            return lambda e, m, x, i: getattr(x, name)
        return lambda e, m, x, i: getattr(m, name)
    if isinstance(column, Meta):
        if column == LINE_NO:
            return lambda e, m, x, i: i
        attr = column.name
        return lambda e, m, x, i: getattr(e, attr)
    if isinstance(column, Const):
        value = column.value
        return lambda e, m, x, i: value
    fn, args = column.fn, [_getter(model, row, arg) for arg in column.args]
    return lambda e, m, x, i: fn(*[arg(e, m, x, i) for arg in args])


def _builder(model: Any, row: Row) -> Builder:
    table, of = row.table, row.of
    getters = [_getter(model, row, column) for column in row.columns]

    def build(rows: Rows, e: CloudEvent, m: Any) -> None:
        source = getattr(m, of) if of is not None else m
        if source is None:
            return
        for i, x in enumerate(source if type(source) is list else (source,)):
            rows.add(table, tuple([get(e, m, x, i) for get in getters]))

    return build


_BUILDERS: dict[str, list[Builder]] = {
    event_type: [_builder(MODELS[event_type], row) for row in rows] for event_type, rows in SPEC.items()}
