"""`projection.project()` for the rebuild: envelope dict -> COPY text lines, the same rows without pydantic.

Each projector below mirrors the one of the same name in `projection.py`, reading the fields
through the strict readers of `fastpath` (which raise `NeedsModel` on anything unexpected).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from services.reporting.domain.fastpath import (
    FIELDS,
    MODELS,
    REQUIRED,
    VERSION,
    Envelope,
    Lines,
    NeedsModel,
    anchor,
    choice,
    date_text,
    event_line,
    field_str,
    line,
    literals,
    money,
    opt_int,
    opt_str,
    part,
    parts,
    rate,
    req_int,
    req_str,
)
from services.reporting.domain.masking import borrower_key, borrower_label
from shared.contracts.origination import Applicant, Borrower
from shared.contracts.servicing import AllocationLine, ScheduledInstallment

Projector = Callable[[Lines, Envelope, dict[str, Any]], None]


def project_envelope(env: dict[str, Any], raw: bytes | None = None) -> tuple[str, Lines]:
    """The event id and the COPY lines per table of one envelope (parsed from `raw`, when given).

    Raises `NeedsModel` when `project()` must do it.
    """
    e = Envelope(env)
    data = e.data
    projector = _PROJECTORS.get(e.type)
    if projector is None:
        loan_id, application_id = data.get("loan_id"), data.get("application_id")
        if (loan_id is not None and type(loan_id) is not str) or \
                (application_id is not None and type(application_id) is not str):
            raise NeedsModel("ids")
        return e.id, {"events": [event_line(e, loan_id, application_id, raw)]}
    if env.get("dataschemaversion", 1) != VERSION[e.type] or not REQUIRED[e.type] <= data.keys():
        raise NeedsModel("version")  # upcast (or refused) by parse_data
    lines: Lines = {"events": [event_line(e, field_str(data, "loan_id", e.type),
                                          field_str(data, "application_id", e.type), raw)]}
    projector(lines, e, data)
    return e.id, lines


def _add(lines: Lines, table: str, row: tuple[str | None, ...]) -> None:
    found = lines.get(table)
    if found is None:
        lines[table] = [line(row)]
    else:
        found.append(line(row))


def _applicant(lines: Lines, e: Envelope, d: dict[str, Any]) -> None:
    if d.get("applicant") is None:
        if "applicant" in REQUIRED[e.type]:
            raise NeedsModel("applicant")
        return
    applicant = part(d, "applicant", Applicant)
    _add(lines, "applications", (e.id, req_str(d, "application_id"), e.sequence, opt_str(applicant, "region")))


_PRODUCTS = literals(MODELS["loan.disbursed"], "product")


def _disbursed(lines: Lines, e: Envelope, d: dict[str, Any]) -> None:
    b = part(d, "borrower", Borrower)
    name, id_masked = req_str(b, "name"), req_str(b, "id_number_masked")
    _add(lines, "loans", (req_str(d, "loan_id"), req_str(d, "application_id"), choice(d, "product", _PRODUCTS),
                          money(d, "principal"), rate(d, "annual_rate"), str(req_int(d, "term_months")),
                          date_text(d, "disbursement_date"), e.businessdate, borrower_key(name, id_masked),
                          borrower_label(name, id_masked), opt_str(b, "region"), e.id))


def _schedule(lines: Lines, e: Envelope, d: dict[str, Any]) -> None:
    loan_id = req_str(d, "loan_id")
    for inst in parts(d, "installments", ScheduledInstallment):
        _add(lines, "schedule", (e.id, loan_id, str(req_int(inst, "number")), date_text(inst, "due_date"),
                                 money(inst, "principal"), money(inst, "interest"), e.businessdate, e.sequence))


def _missed(lines: Lines, e: Envelope, d: dict[str, Any]) -> None:
    _add(lines, "loan_states", (e.id, req_str(d, "loan_id"), e.businessdate, e.sequence, "overdue",
                                money(d, "principal_outstanding"), anchor(e.day, req_int(d, "days_past_due"))))


_STATUSES = literals(MODELS["loan.payment.received"], "status")
_KINDS = literals(AllocationLine, "kind")


def _received(lines: Lines, e: Envelope, d: dict[str, Any]) -> None:
    loan_id, payment_id = req_str(d, "loan_id"), req_str(d, "payment_id")
    days = req_int(d, "days_past_due")
    _add(lines, "loan_states", (e.id, loan_id, e.businessdate, e.sequence, choice(d, "status", _STATUSES),
                                money(d, "principal_outstanding"), anchor(e.day, days) if days > 0 else None))
    for line_no, alloc in enumerate(parts(d, "allocation", AllocationLine)):
        _add(lines, "allocations", (e.id, str(line_no), loan_id, payment_id, e.businessdate,
                                    opt_int(alloc, "installment_number"), choice(alloc, "kind", _KINDS),
                                    money(alloc, "amount")))


def _closed(status: str) -> Projector:
    def closed(lines: Lines, e: Envelope, d: dict[str, Any]) -> None:
        _add(lines, "loan_states", (e.id, req_str(d, "loan_id"), e.businessdate, e.sequence, status, "0.00", None))

    return closed


def _case(kind: str, stage_field: str | None, collector: bool = False) -> Projector:
    def case(lines: Lines, e: Envelope, d: dict[str, Any]) -> None:
        stage = choice(d, stage_field, literals(MODELS[e.type], stage_field)) if stage_field else None
        resolution = choice(d, "resolution", literals(MODELS[e.type], "resolution")) if kind == "resolved" else None
        episode = str(req_int(d, "episode", 1)) if kind == "opened" else None
        _add(lines, "case_states", (e.id, req_str(d, "case_id"), req_str(d, "loan_id"), e.businessdate, e.sequence,
                                    kind, stage, resolution, field_str(d, "collector", e.type) if collector else None,
                                    episode))

    return case


_CHANNELS = literals(MODELS["collections.contact.logged"], "channel")


def _contact(lines: Lines, e: Envelope, d: dict[str, Any]) -> None:
    _add(lines, "contacts", (e.id, req_str(d, "case_id"), req_str(d, "loan_id"), e.businessdate,
                             choice(d, "channel", _CHANNELS), req_str(d, "outcome"), req_str(d, "collector")))


def _promise(kind: str) -> Projector:
    def promise(lines: Lines, e: Envelope, d: dict[str, Any]) -> None:
        paid = money(d, "paid_amount") if "paid_amount" in FIELDS[e.type] else None
        _add(lines, "promises", (e.id, req_str(d, "promise_id"), req_str(d, "case_id"), req_str(d, "loan_id"),
                                 e.businessdate, kind, money(d, "amount"), paid, date_text(d, "promised_date"),
                                 field_str(d, "collector", e.type)))

    return promise


def _recovery(lines: Lines, e: Envelope, d: dict[str, Any]) -> None:
    stage = choice(d, "stage", literals(MODELS[e.type], "stage"))
    _add(lines, "recoveries", (e.id, req_str(d, "case_id"), req_str(d, "loan_id"), req_str(d, "payment_id"),
                               e.businessdate, field_str(d, "collector", e.type), money(d, "amount"),
                               money(d, "commission"), stage))


_PROJECTORS: dict[str, Projector] = {
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
