"""Turn one published event into the read-model rows it contributes (pure, no I/O).

Every row is keyed by the event id (or a natural key of the event), so applying an event
twice changes nothing, and every report is computed from these rows at query time by
business date and per-stream sequence, so delivery order does not matter either.
Unknown event types still land in the event log (for the loan timeline); unknown fields
are ignored by the contract models, and old versions are upcast by `parse_data`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from services.reporting.domain.masking import borrower_key, borrower_label, mask_data
from shared.contracts import CloudEvent, UnknownEventType, parse_data

TABLES = ("events", "applications", "loans", "loan_states", "schedule", "allocations", "case_states", "contacts",
          "promises", "recoveries")
ZERO = Decimal("0.00")

_ACTOR_FIELDS = ("disbursed_by", "reviewer", "investigator", "approved_by", "rejected_by", "submitted_by",
                 "amended_by", "decided_by", "proposed_by", "assigned_by", "opened_by", "resolved_by", "tagged_by",
                 "changed_by", "recorded_by", "collector")


@dataclass
class Rows:
    """Rows for each read-model table, as tuples in the column order of the adapter."""

    tables: dict[str, list[tuple[Any, ...]]] = field(default_factory=dict)

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
    projector = _PROJECTORS.get(event.type)
    model: Any = None
    if projector is not None:
        try:
            model = parse_data(event)
        except (UnknownEventType, ValueError):
            model = None  # a version we cannot read: only the event log keeps it
    fields = model.__dict__ if model is not None else event.data
    rows.add("events", (event.id, fields.get("loan_id"), fields.get("application_id"), event.subject, event.type,
                        event.source, event.sequence, event.businessdate, event.time, event.causationid,
                        event.correlationid, actor_of(event), mask_data(event.data)))
    if projector is not None and model is not None:
        projector(rows, event, model)
    return rows


def dpd_anchor(businessdate: date, days_past_due: int) -> date:
    """The day from which DPD counts, so that DPD on any later day is (day - anchor).

    DOMAIN.md §2: "days past due (DPD) count from the first unpaid due date". Servicing
    states the DPD at the event's business date; the anchor carries it forward day by day
    until the next event about the loan.
    """
    return businessdate - timedelta(days=days_past_due)


def _applicant(rows: Rows, e: CloudEvent, m: Any) -> None:
    """The applicant's region (DOMAIN.md §4 round-ups by village/town), when the loan's borrower lacks one."""
    if m.applicant is not None:
        rows.add("applications", (e.id, m.application_id, e.sequence, m.applicant.region))


def _disbursed(rows: Rows, e: CloudEvent, m: Any) -> None:
    b = m.borrower
    rows.add("loans", (m.loan_id, m.application_id, m.product, m.principal, m.annual_rate, m.term_months,
                       m.disbursement_date, e.businessdate, borrower_key(b.name, b.id_number_masked),
                       borrower_label(b.name, b.id_number_masked), b.region, e.id))


def _schedule(rows: Rows, e: CloudEvent, m: Any) -> None:
    """Each schedule event keeps its own rows; the latest one known on a day is the loan's schedule."""
    for inst in m.installments:
        rows.add("schedule", (e.id, m.loan_id, inst.number, inst.due_date, inst.principal, inst.interest,
                              e.businessdate, e.sequence))


def _missed(rows: Rows, e: CloudEvent, m: Any) -> None:
    rows.add("loan_states", (e.id, m.loan_id, e.businessdate, e.sequence, "overdue", m.principal_outstanding,
                             dpd_anchor(e.businessdate, m.days_past_due)))


def _received(rows: Rows, e: CloudEvent, m: Any) -> None:
    anchor = dpd_anchor(e.businessdate, m.days_past_due) if m.days_past_due > 0 else None
    rows.add("loan_states", (e.id, m.loan_id, e.businessdate, e.sequence, m.status, m.principal_outstanding, anchor))
    for line_no, line in enumerate(m.allocation):
        rows.add("allocations", (e.id, line_no, m.loan_id, m.payment_id, e.businessdate, line.installment_number,
                                 line.kind, line.amount))


def _closed(status: str) -> Callable[[Rows, CloudEvent, Any], None]:
    def closed(rows: Rows, e: CloudEvent, m: Any) -> None:
        rows.add("loan_states", (e.id, m.loan_id, e.businessdate, e.sequence, status, ZERO, None))

    return closed


def _case(kind: str, stage_field: str | None, collector: bool = False) -> Callable[[Rows, CloudEvent, Any], None]:
    def case(rows: Rows, e: CloudEvent, m: Any) -> None:
        stage = getattr(m, stage_field) if stage_field else None
        rows.add("case_states", (e.id, m.case_id, m.loan_id, e.businessdate, e.sequence, kind, stage,
                                 m.resolution if kind == "resolved" else None, m.collector if collector else None,
                                 m.episode if kind == "opened" else None))

    return case


def _contact(rows: Rows, e: CloudEvent, m: Any) -> None:
    rows.add("contacts", (e.id, m.case_id, m.loan_id, e.businessdate, m.channel, m.outcome, m.collector))


def _promise(kind: str) -> Callable[[Rows, CloudEvent, Any], None]:
    def promise(rows: Rows, e: CloudEvent, m: Any) -> None:
        rows.add("promises", (e.id, m.promise_id, m.case_id, m.loan_id, e.businessdate, kind, m.amount,
                              getattr(m, "paid_amount", None), m.promised_date, m.collector))

    return promise


def _recovery(rows: Rows, e: CloudEvent, m: Any) -> None:
    rows.add("recoveries", (e.id, m.case_id, m.loan_id, m.payment_id, e.businessdate, m.collector, m.amount,
                            m.commission, m.stage))


_PROJECTORS: dict[str, Callable[[Rows, CloudEvent, Any], None]] = {
    "loan.application.submitted": _applicant,
    "loan.application.amended": _applicant,
    "loan.disbursed": _disbursed,
    "loan.schedule.created": _schedule,
    "loan.payment.missed": _missed,
    "loan.payment.received": _received,
    "loan.paid_off": _closed("paid_off"),
    "loan.written_off": _closed("written_off"),
    "collections.case.opened": _case("opened", "stage"),
    "collections.case.escalated": _case("escalated", "to_stage"),
    "collections.case.assigned": _case("assigned", None, collector=True),
    "collections.case.resolved": _case("resolved", "stage"),
    "collections.contact.logged": _contact,
    "collections.promise.made": _promise("made"),
    "collections.promise.kept": _promise("kept"),
    "collections.promise.broken": _promise("broken"),
    "collections.recovery.attributed": _recovery,
}
