"""What each event type contributes to the read models: one declarative entry per type (pure).

`SPEC` is the only per-type table. Both projections are derived from it: `projection.project()`
reads each column from the validated pydantic model (live consumer; typed values), and
`fastproject.project_envelope()` reads it straight from the JSON envelope with strict readers
chosen by the field's type in the contract (rebuild; PostgreSQL text). Adding an event type that
feeds a report is one entry here (and a `COLUMNS` table in `adapters/writer.py` if it is a new table).
Every event, with or without an entry, also lands in the event log (`rpt_events`).

A column is one of:
- `"field"`: a field of the event's data; `"part.field"`: a field of the row's nested part `of`
  (`of` names a part, one row; or a list of parts, one row per item; no row when it is None);
- `EVENT_ID`, `BUSINESSDATE`, `SEQUENCE` (the envelope's), `LINE_NO` (the item's index in `of`);
- `Const(value)`, `NULL`;
- `Derived(fn, *columns)`: `fn` of the columns' values (Python values on both paths).
Row tuples follow the column order of `adapters/writer.COLUMNS[table]`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, get_args, get_origin

from pydantic import BaseModel

from services.reporting.domain.masking import borrower_key, borrower_label
from shared.contracts import all_event_types
from shared.money import ZERO


@dataclass(frozen=True)
class Meta:
    """A value of the envelope (or the item's position), not of the event's data."""

    name: str


EVENT_ID, BUSINESSDATE, SEQUENCE, LINE_NO = Meta("id"), Meta("businessdate"), Meta("sequence"), Meta("line_no")


@dataclass(frozen=True)
class Const:
    value: Any


NULL = Const(None)


@dataclass(frozen=True, init=False)
class Derived:
    """`fn(*values of args)`: a value computed from other columns."""

    fn: Callable[..., Any]
    args: tuple[Column, ...]

    def __init__(self, fn: Callable[..., Any], *args: Column) -> None:
        object.__setattr__(self, "fn", fn)
        object.__setattr__(self, "args", args)


Column = str | Meta | Const | Derived


@dataclass(frozen=True, init=False)
class Row:
    """One row of `table` per event (or per item of the part list `of`)."""

    table: str
    columns: tuple[Column, ...]
    of: str | None

    def __init__(self, table: str, *columns: Column, of: str | None = None) -> None:
        object.__setattr__(self, "table", table)
        object.__setattr__(self, "columns", columns)
        object.__setattr__(self, "of", of)


def dpd_anchor(businessdate: date, days_past_due: int) -> date:
    """The day from which DPD counts, so that DPD on any later day is (day - anchor).

    DOMAIN.md §2: "days past due (DPD) count from the first unpaid due date". Servicing
    states the DPD at the event's business date; the anchor carries it forward day by day
    until the next event about the loan.
    """
    return businessdate - timedelta(days=days_past_due)


def overdue_anchor(businessdate: date, days_past_due: int) -> date | None:
    """`dpd_anchor` while the loan is overdue, else None (a payment that cured it)."""
    return dpd_anchor(businessdate, days_past_due) if days_past_due > 0 else None


# The applicant's region (DOMAIN.md §4 round-ups by village/town), when the loan's borrower lacks one.
_APPLICANT = Row("applications", EVENT_ID, "application_id", SEQUENCE, "applicant.region", of="applicant")


def _loan_state(status: Column, outstanding: Column, anchor: Column) -> Row:
    return Row("loan_states", EVENT_ID, "loan_id", BUSINESSDATE, SEQUENCE, status, outstanding, anchor)


def _case_state(kind: str, stage: Column = NULL, resolution: Column = NULL, collector: Column = NULL,
                episode: Column = NULL, queue: Column = NULL) -> Row:
    return Row("case_states", EVENT_ID, "case_id", "loan_id", BUSINESSDATE, SEQUENCE, Const(kind), stage, resolution,
               collector, episode, queue)


def _promise(kind: str, paid_amount: Column = NULL) -> Row:
    return Row("promises", EVENT_ID, "promise_id", "case_id", "loan_id", BUSINESSDATE, Const(kind), "amount",
               paid_amount, "promised_date", "collector")


def _legal(kind: Column, *, on: Column, cost: Column = Const(ZERO), amount: Column = NULL,
           outcome: Column = NULL) -> Row:
    return Row("legal_actions", EVENT_ID, "case_id", "loan_id", BUSINESSDATE, SEQUENCE, kind, on, cost, amount,
               outcome)


def referral_kind(route: str | None) -> str:
    """A referral to the economic-crime police is the fraud path's (`police_referral`), not court proceedings."""
    return "police_referral" if route == "police" else "referral"


def _sum(*amounts: Any) -> Any:
    return sum(amounts, ZERO)


def _arrangement(kind: str, waived: Column = NULL, charges: Column = NULL, interest: Column = NULL,
                 principal: Column = NULL, *, amount: Column = NULL, of: str | None = None) -> Row:
    return Row("arrangements", EVENT_ID, "arrangement_id", "case_id", "loan_id", BUSINESSDATE, Const(kind), waived,
               charges, interest, principal, amount, of=of)


SPEC: dict[str, tuple[Row, ...]] = {
    "loan.application.submitted": (_APPLICANT,),
    "loan.application.amended": (_APPLICANT,),
    "loan.disbursed": (Row(
        "loans", "loan_id", "application_id", "product", "principal", "annual_rate", "term_months",
        "disbursement_date", BUSINESSDATE, Derived(borrower_key, "borrower.name", "borrower.id_number_masked"),
        Derived(borrower_label, "borrower.name", "borrower.id_number_masked"), "borrower.region", EVENT_ID,
        of="borrower"),),
    # Each schedule event keeps its own rows; the latest one known on a day is the loan's schedule.
    "loan.schedule.created": (Row(
        "schedule", EVENT_ID, "loan_id", "installments.number", "installments.due_date", "installments.principal",
        "installments.interest", BUSINESSDATE, SEQUENCE, of="installments"),),
    "loan.payment.missed": (_loan_state(Const("overdue"), "principal_outstanding",
                                        Derived(dpd_anchor, BUSINESSDATE, "days_past_due")),),
    "loan.payment.received": (
        _loan_state("status", "principal_outstanding", Derived(overdue_anchor, BUSINESSDATE, "days_past_due")),
        Row("allocations", EVENT_ID, LINE_NO, "loan_id", "payment_id", BUSINESSDATE, "allocation.installment_number",
            "allocation.kind", "allocation.amount", of="allocation"),
    ),
    "loan.paid_off": (_loan_state(Const("paid_off"), Const(ZERO), NULL),),
    "loan.written_off": (_loan_state(Const("written_off"), Const(ZERO), NULL),),
    "collections.case.opened": (_case_state("opened", stage="stage", episode="episode"),
                                # the policy arm the case follows for life (issue 17; v1 events: champion)
                                Row("case_arms", EVENT_ID, "case_id", "loan_id", BUSINESSDATE, "arm")),
    "collections.case.escalated": (_case_state("escalated", stage="to_stage"),),
    "collections.case.assigned": (_case_state("assigned", collector="collector", queue="queue"),),
    "collections.case.resolved": (_case_state("resolved", stage="stage", resolution="resolution"),),
    # v2: why the borrower is late, and on a visit the monthly visit target in force
    "collections.contact.logged": (Row("contacts", EVENT_ID, "case_id", "loan_id", BUSINESSDATE, "channel", "outcome",
                                       "collector", "reason", "visit_target"),),
    # a letter sent is a contact on the letter channel, counted for the case's collector
    "collections.letter.sent": (Row("contacts", EVENT_ID, "case_id", "loan_id", BUSINESSDATE, Const("letter"),
                                    Const("letter_sent"), "collector", NULL, NULL),),
    # a complaint kept apart from the debt; `collector`: the collector complained about (None when not about one)
    "collections.complaint.opened": (Row("complaints", EVENT_ID, "complaint_id", "case_id", "loan_id", BUSINESSDATE,
                                         "category", "collector"),),
    # call quality (issue 16): a review of a collector's recorded contact, and one row per finding (failed item)
    "collections.qa.reviewed": (Row("qa_reviews", EVENT_ID, "review_id", "case_id", "loan_id", BUSINESSDATE,
                                    "collector"),
                                Row("qa_findings", EVENT_ID, LINE_NO, "review_id", "findings.finding_id",
                                    "findings.item", "loan_id", BUSINESSDATE, "collector", of="findings")),
    "collections.promise.made": (_promise("made"),),
    "collections.promise.kept": (_promise("kept", "paid_amount"),),
    "collections.promise.broken": (_promise("broken", "paid_amount"),),
    # legal proceedings (issue 15), one row per step: the referral, each recorded action, and a time bar (which
    # lapses a referral not yet filed); `on` is the day the step happened
    "collections.legal.referred": (_legal(Derived(referral_kind, "route"), on="on"),),
    "collections.legal.action_recorded": (_legal("kind", on="on", cost="cost", amount="amount", outcome="outcome"),),
    "collections.statute.expired": (_legal(Const("time_barred"), on="expired_on"),),
    # arrangements (issue 15): collections' decisions, servicing's waiver split and reversal, one table
    "collections.arrangement.proposed": (_arrangement("proposed", "waive", amount="owed"),),
    "collections.arrangement.approved": (_arrangement("approved", "waive", amount="owed"),),
    "collections.arrangement.rejected": (_arrangement("rejected"),),
    "collections.arrangement.broken": (_arrangement("broken", "waive"),),
    "collections.arrangement.completed": (_arrangement("completed", "waive", amount="recovered"),),
    # approved, but servicing could not honour it (loan.arrangement.declined): `amount` = what the loan owed then
    "collections.arrangement.declined": (_arrangement("declined", amount="owed_now"),),
    "loan.arrangement.applied": (_arrangement("applied", "waived_total", "waived.charges", "waived.interest",
                                              "waived.principal", amount="owed_before", of="waived"),),
    "loan.arrangement.reverted": (_arrangement(
        "reverted", Derived(_sum, "restored.charges", "restored.interest", "restored.principal"), "restored.charges",
        "restored.interest", "restored.principal", amount="paid_under_arrangement", of="restored"),),
    # v2 (issue 15): who recovered it (collector, agency, legal); under a placement the agency's fee, no commission
    "collections.recovery.attributed": (Row("recoveries", EVENT_ID, "case_id", "loan_id", "payment_id", BUSINESSDATE,
                                            "collector", "amount", "commission", "stage", "channel", "agency",
                                            "placement_id", "agency_fee"),),
    # agency placements (issue 15): made with their terms and the balance placed; recalled with why
    "collections.placement.made": (Row("placements", EVENT_ID, "placement_id", "case_id", "loan_id", BUSINESSDATE,
                                       Const("made"), "agency", "fee_rate", "placed_balance", "recall_on", NULL),),
    "collections.placement.recalled": (Row("placements", EVENT_ID, "placement_id", "case_id", "loan_id",
                                           BUSINESSDATE, Const("recalled"), "agency", NULL, NULL, NULL, "reason"),),
}


MODELS = {event_type: model for event_type, model in all_event_types().items() if event_type in SPEC}


def source_of(model: type[BaseModel], of: str) -> tuple[type[BaseModel], bool]:
    """The part model a row's `of` field holds, and whether it is a list of them."""
    annotation = model.model_fields[of].annotation
    is_list = False
    while not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
        is_list = is_list or get_origin(annotation) is list
        args = [a for a in get_args(annotation) if a is not type(None)]
        if len(args) != 1:
            raise TypeError(f"{model.__name__}.{of} is not a part or a list of parts")
        annotation = args[0]
    return annotation, is_list


def field_of(model: type[BaseModel], row: Row, column: str) -> tuple[type[BaseModel], str]:
    """The model holding a data column ("field" or "part.field") and the field's name."""
    part, _, name = column.rpartition(".")
    if part:
        if part != row.of:
            raise ValueError(f"{column!r}: a row reads only the fields of its own part ({row.of!r})")
        model = source_of(model, part)[0]
    if name not in model.model_fields:
        raise ValueError(f"{model.__name__} has no field {name!r}")
    return model, name
