"""Turn one published event into the read-model rows it contributes (pure, no I/O).

Every row is keyed by the event id (or a natural key of the event), so applying an event
twice changes nothing, and every report is computed from these rows at query time by
business date and per-stream sequence, so delivery order does not matter either.
Unknown event types still land in the event log (for the loan timeline); unknown fields
are ignored by the contract models.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from services.reporting.domain.masking import borrower_key, borrower_label, mask_data
from shared.contracts import CloudEvent, UnknownEventType, parse_data
from shared.contracts import collections as c
from shared.contracts import origination as o
from shared.contracts import servicing as s

TABLES = ("events", "loans", "loan_states", "schedule", "allocations", "case_states", "contacts",
          "promises", "recoveries")

_ACTOR_FIELDS = ("disbursed_by", "reviewer", "investigator", "approved_by", "rejected_by", "submitted_by",
                 "amended_by", "decided_by", "proposed_by", "assigned_by", "opened_by", "resolved_by", "tagged_by",
                 "changed_by", "recorded_by", "collector")


@dataclass
class Rows:
    """Rows for each read-model table, as tuples in the column order of the adapter."""

    tables: dict[str, list[tuple[Any, ...]]] = field(default_factory=lambda: {t: [] for t in TABLES})

    def add(self, table: str, row: tuple[Any, ...]) -> None:
        self.tables[table].append(row)

    def extend(self, other: Rows) -> None:
        for table, rows in other.tables.items():
            self.tables[table].extend(rows)

    def count(self) -> int:
        return sum(len(rows) for rows in self.tables.values())


def actor_of(event: CloudEvent) -> str:
    """Who made an event happen: the person named in it, the partner, else the publishing service."""
    data = event.data
    for key in _ACTOR_FIELDS:
        if data.get(key):
            return str(data[key])
    if data.get("partner_id"):
        return f"partner:{data['partner_id']}"
    return f"system:{event.source}"


def project(event: CloudEvent) -> Rows:
    """The rows one event contributes to the read models."""
    rows = Rows()
    try:
        model = parse_data(event)
    except (UnknownEventType, ValueError):
        model = None  # unknown type or a version we cannot read: only the event log keeps it
    loan_id = getattr(model, "loan_id", None) or event.data.get("loan_id")
    application_id = getattr(model, "application_id", None) or event.data.get("application_id")
    rows.add("events", (event.id, loan_id, application_id, event.subject, event.type, event.source,
                        event.sequence, event.businessdate, event.time, event.causationid, event.correlationid,
                        actor_of(event), mask_data(event.data)))
    if model is not None:
        _project_model(rows, event, model)
    return rows


def _project_model(rows: Rows, event: CloudEvent, m: Any) -> None:
    bd, seq, eid = event.businessdate, event.sequence, event.id
    if isinstance(m, o.LoanDisbursed):
        rows.add("loans", (m.loan_id, m.application_id, m.product, m.principal, m.annual_rate, m.term_months,
                           m.disbursement_date, bd, borrower_key(m.borrower.name, m.borrower.id_number_masked),
                           borrower_label(m.borrower.name, m.borrower.id_number_masked), m.borrower.region, eid))
    elif isinstance(m, s.ScheduleCreated):
        for inst in m.installments:
            rows.add("schedule", (m.loan_id, inst.number, inst.due_date, inst.principal, inst.interest, bd))
    elif isinstance(m, s.PaymentMissed):
        rows.add("loan_states", (eid, m.loan_id, bd, seq, "overdue", m.principal_outstanding,
                                 dpd_anchor(bd, m.days_past_due)))
    elif isinstance(m, s.PaymentReceived):
        anchor = dpd_anchor(bd, m.days_past_due) if m.days_past_due > 0 else None
        rows.add("loan_states", (eid, m.loan_id, bd, seq, m.status, m.principal_outstanding, anchor))
        for line_no, line in enumerate(m.allocation):
            rows.add("allocations", (eid, line_no, m.loan_id, m.payment_id, bd, line.installment_number,
                                     line.kind, line.amount))
    elif isinstance(m, s.LoanPaidOff):
        rows.add("loan_states", (eid, m.loan_id, bd, seq, "paid_off", Decimal("0.00"), None))
    elif isinstance(m, s.LoanWrittenOff):
        rows.add("loan_states", (eid, m.loan_id, bd, seq, "written_off", Decimal("0.00"), None))
    else:
        _project_collections(rows, event, m)


def _project_collections(rows: Rows, event: CloudEvent, m: Any) -> None:
    bd, seq, eid = event.businessdate, event.sequence, event.id
    if isinstance(m, c.CaseOpened):
        rows.add("case_states", (eid, m.case_id, m.loan_id, bd, seq, "opened", m.stage, None, None, m.episode))
    elif isinstance(m, c.CaseEscalated):
        rows.add("case_states", (eid, m.case_id, m.loan_id, bd, seq, "escalated", m.to_stage, None, None, None))
    elif isinstance(m, c.CaseAssigned):
        rows.add("case_states", (eid, m.case_id, m.loan_id, bd, seq, "assigned", None, None, m.collector, None))
    elif isinstance(m, c.CaseResolved):
        rows.add("case_states", (eid, m.case_id, m.loan_id, bd, seq, "resolved", m.stage, m.resolution, None,
                                 None))
    elif isinstance(m, c.ContactLogged):
        rows.add("contacts", (eid, m.case_id, m.loan_id, bd, m.channel, m.outcome, m.collector))
    elif isinstance(m, c.PromiseMade):
        rows.add("promises", (eid, m.promise_id, m.case_id, m.loan_id, bd, "made", m.amount, None,
                              m.promised_date, m.collector))
    elif isinstance(m, c.PromiseKept):
        rows.add("promises", (eid, m.promise_id, m.case_id, m.loan_id, bd, "kept", m.amount, m.paid_amount,
                              m.promised_date, m.collector))
    elif isinstance(m, c.PromiseBroken):
        rows.add("promises", (eid, m.promise_id, m.case_id, m.loan_id, bd, "broken", m.amount, m.paid_amount,
                              m.promised_date, m.collector))
    elif isinstance(m, c.RecoveryAttributed):
        rows.add("recoveries", (eid, m.case_id, m.loan_id, m.payment_id, bd, m.collector, m.amount, m.commission,
                                m.stage))


def dpd_anchor(businessdate: date, days_past_due: int) -> date:
    """The day from which DPD counts, so that DPD on any later day is (day - anchor).

    DOMAIN.md §2: "days past due (DPD) count from the first unpaid due date". Servicing
    states the DPD at the event's business date; the anchor carries it forward day by day
    until the next event about the loan.
    """
    return businessdate - timedelta(days=days_past_due)
