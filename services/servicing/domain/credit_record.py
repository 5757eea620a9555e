"""Negative credit records: what servicing reports to the credit bureau, and the line format of the report file.

DOMAIN.md §2: "Each broken promise adds a negative credit record". A broken promise on a loan still
on book is reported (`loan.credit_record.reported`); when the debt is settled — the loan paid off —
each record not yet corrected is corrected (`loan.credit_record.corrected`). A record's id is derived
from the event that caused it, so a redelivered broken promise can never make a second record.

The report file (services/servicing/README.md "Credit-bureau reporting") has one line per record,
fields separated by `|`, in this fixed order:

    CR1|record_id|action|date|loan_id|application_id|name|id_number|reason|amount|promised_date|corrects

- `CR1`: the format's name and version.
- `action`: `NEW` (a negative record) or `COR` (a correction of the record named in `corrects`).
- `date`: YYYYMMDD, the business date it was reported or corrected on.
- `reason`: `BROKEN_PROMISE` for NEW, `PAID_OFF` for COR.
- `amount`: the promised amount not paid, two decimals (COR: `0.00`); `promised_date` YYYYMMDD (COR: empty).
- `name`, `id_number`: the borrower in full, as origination answers them when the line is written (servicing
  itself holds them only masked / sealed); `|` and line breaks in a name are replaced by spaces.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol

from shared.contracts.collections import PromiseBroken
from shared.contracts.registry import EventData
from shared.contracts.servicing import CreditRecordCorrected, CreditRecordReported, LoanPaidOff
from shared.money import to_fen

if TYPE_CHECKING:
    from services.servicing.domain.loan import Loan

FORMAT = "CR1"
FIELDS = (
    "format",
    "record_id",
    "action",
    "date",
    "loan_id",
    "application_id",
    "name",
    "id_number",
    "reason",
    "amount",
    "promised_date",
    "corrects",
)


def record_id_for(cause_id: str, kind: str) -> str:
    """A record's id from the id of the event that caused it: the same cause, the same record."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"credit-record/{kind}/{cause_id}"))


@dataclass(frozen=True)
class Subject:
    """Whom the bureau files the record under."""

    application_id: str = ""
    name: str = ""
    id_number: str = ""


@dataclass(frozen=True)
class BureauLine:
    """One line of the report file."""

    record_id: str
    action: str  # NEW | COR
    on: date
    loan_id: str
    subject: Subject
    reason: str  # BROKEN_PROMISE | PAID_OFF
    amount: Decimal
    promised_date: date | None
    corrects: str = ""

    def render(self) -> str:
        values = (
            FORMAT,
            self.record_id,
            self.action,
            f"{self.on:%Y%m%d}",
            self.loan_id,
            self.subject.application_id,
            self.subject.name,
            self.subject.id_number,
            self.reason,
            f"{to_fen(self.amount):.2f}",
            f"{self.promised_date:%Y%m%d}" if self.promised_date else "",
            self.corrects,
        )
        return "|".join(_clean(v) for v in values)


def _clean(value: str) -> str:
    return " ".join(value.replace("|", " ").split()) if any(c in value for c in "|\r\n\t") else value


def parse(line: str) -> dict[str, str]:
    """A line back into its named fields (for checks and the tests)."""
    values = line.rstrip("\n").split("|")
    if len(values) != len(FIELDS) or values[0] != FORMAT:
        raise ValueError(f"not a {FORMAT} line: {line!r}")
    return dict(zip(FIELDS, values, strict=True))


def line_of(event: CreditRecordReported | CreditRecordCorrected, subject: Subject) -> BureauLine:
    """The file line of a reported or corrected record."""
    if isinstance(event, CreditRecordReported):
        return BureauLine(
            event.record_id,
            "NEW",
            event.reported_on,
            event.loan_id,
            subject,
            "BROKEN_PROMISE",
            event.amount,
            event.promised_date,
        )
    return BureauLine(
        event.record_id, "COR", event.corrected_on, event.loan_id, subject, "PAID_OFF", to_fen(0), None, event.corrects
    )


def line_from(event_type: str, data: dict[str, Any], subject: Subject) -> BureauLine:
    """The file line of a queued record (its event's type and data) for this subject."""
    if event_type == CreditRecordReported.event_type:
        return line_of(CreditRecordReported.model_validate(data), subject)
    if event_type == CreditRecordCorrected.event_type:
        return line_of(CreditRecordCorrected.model_validate(data), subject)
    raise ValueError(f"not a credit record: {event_type}")


class CreditBureau(Protocol):
    """The outbound credit-bureau port: takes lines to report; a line whose record id it already holds is
    not reported twice (so a retry after a crash between submitting and marking sent reports nothing new).
    Raises when it cannot take them: the submission stays pending and is retried."""

    def problem(self) -> str | None:
        """Why it cannot take lines now (None: it can), checked before anyone's identity is asked for."""
        ...

    def submit(self, lines: Sequence[BureauLine]) -> list[str]:
        """Report the lines; answers the record ids newly written."""
        ...


class NotSubmittable(Exception):
    """The record can never be submitted (`reason`): it is recorded so, and never retried."""

    reason = "not_submittable"


class SubjectErased(NotSubmittable):
    """The borrower was erased (docs/erasure.md): nothing of them can be read any more."""

    reason = "erased"


class SubjectUnknown(NotSubmittable):
    """The loan names no borrower servicing could ask about (disbursed before borrowers had ids)."""

    reason = "unknown_borrower"


def report_broken_promise(loan: Loan, promise: PromiseBroken, *, cause_id: str, on: date) -> list[EventData]:
    """A negative record for a broken promise on a loan still on book (an unknown or closed loan: none)."""
    record_id = record_id_for(cause_id, "broken_promise")
    if not loan.exists or loan.closed is not None or record_id in loan.open_credit_records:
        return []
    return [
        CreditRecordReported(
            loan_id=loan.loan_id,
            record_id=record_id,
            kind="broken_promise",
            amount=promise.amount - promise.paid_amount,
            promised_date=promise.promised_date,
            reported_on=on,
            case_id=promise.case_id,
            promise_id=promise.promise_id,
            caused_by=cause_id,
        )
    ]


def corrections(loan: Loan, decided: Sequence[EventData], on: date) -> list[EventData]:
    """The loan paid off by these events: each record not yet corrected is corrected."""
    paid = next((d for d in decided if isinstance(d, LoanPaidOff)), None)
    if paid is None:
        return []
    return [
        CreditRecordCorrected(
            loan_id=loan.loan_id,
            record_id=record_id_for(r, "correction"),
            corrects=r,
            reason="paid_off",
            settled_on=paid.paid_off_on,
            corrected_on=on,
        )
        for r in loan.open_credit_records
    ]
