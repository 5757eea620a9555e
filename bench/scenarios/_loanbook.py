"""A synthetic but realistic loan book as CloudEvents JSON: applications, reviews, disbursements,
schedules, monthly payments, misses, collections cases, contacts, promises and recoveries."""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from shared.contracts import latest_version

START = date(2025, 1, 1)
REGIONS = ["Xiaohe village", "Dongshan town", "Nanping village", "Beiguan town", None]
COLLECTORS = ["wang", "li", "zhao", "sun", "zhou"]


class Book:
    """Events of one loan book, in the order the services publish them (topic, key, JSON bytes)."""

    def __init__(self, seed: int = 20261128) -> None:
        self.rng = random.Random(seed)
        self.seq: dict[str, int] = {}

    def envelope(self, source: str, type_: str, subject: str, day: date, data: dict[str, Any], *,
                 stream: str | None = None, cause: str | None = None) -> tuple[str, str, bytes]:
        stream = stream or subject
        self.seq[stream] = self.seq.get(stream, 0) + 1
        event = {"specversion": "1.0", "id": str(uuid.UUID(int=self.rng.getrandbits(128))), "source": source,
                 "type": type_, "subject": subject,
                 "time": datetime(day.year, day.month, day.day, 10, tzinfo=UTC).isoformat(),
                 "datacontenttype": "application/json", "data": data, "sequence": self.seq[stream],
                 "correlationid": stream, "businessdate": day.isoformat(),
                 "dataschemaversion": latest_version(type_)}  # the shape services publish now
        if cause:
            event["causationid"] = cause
        return source, subject, json.dumps(event, ensure_ascii=False).encode()

    def loan(self, n: int) -> Iterator[tuple[str, str, bytes]]:
        """One loan's whole story: about 25–45 events."""
        rng = self.rng
        app, loan = f"A{n:07d}", f"L{n:07d}"
        day = START + timedelta(days=n % 300)
        principal = Decimal(rng.choice([5000, 10000, 20000, 30000, 50000, 80000]))
        months = 12
        monthly = (principal * Decimal("0.01")).quantize(Decimal("0.01"))
        region = rng.choice(REGIONS)
        tail = f"{n % 10000:04d}"
        person = {"name": f"借款人{n}", "id_number": f"110101********{tail}", "phone": f"138****{tail}",
                  "monthly_income": "9000.00", "region": region}
        yield self.envelope("origination", "loan.application.submitted", app, day, {
            "application_id": app, "applicant": person, "product": "credit", "amount": str(principal),
            "term_months": months, "annual_rate": "0.12", "repayment_method": "interest_only",
            "contacts": [{"relation": r, "name": "联系人", "phone": "139****0000"}
                         for r in ("family", "other", "work")],
            "credit_report": {"max_overdue_months": 0}, "submitted_by": "cm-zhang"})
        for stage, who in (("client_manager", "cm-zhang"), ("team_manager", "tm-liu"), ("credit_manager", "cr-chen")):
            yield self.envelope("origination", "loan.application.reviewed", app, day, {
                "application_id": app, "stage": stage, "decision": "approve", "reviewer": who})
        yield self.envelope("origination", "loan.application.approved", app, day,
                            {"application_id": app, "approved_by": "cr-chen"})
        yield self.envelope("origination", "loan.disbursed", loan, day, {
            "loan_id": loan, "application_id": app, "principal": str(principal), "annual_rate": "0.12",
            "borrower": {"name": person["name"], "id_number_masked": person["id_number"], "phone": person["phone"],
                         "region": region},
            "term_months": months, "repayment_method": "interest_only", "disbursement_date": day.isoformat(),
            "due_day": 20, "product": "credit", "contacts": [], "disbursed_by": "ops-wu"}, stream=app)
        dues = [_month_20(day, k) for k in range(1, months + 1)]
        yield self.envelope("servicing", "loan.schedule.created", loan, day, {
            "loan_id": loan, "principal": str(principal), "repayment_method": "interest_only",
            "installments": [{"number": k + 1, "due_date": due.isoformat(), "interest": str(monthly),
                              "principal": str(principal) if k == months - 1 else "0.00"}
                             for k, due in enumerate(dues)]})
        yield from self._repayments(loan, principal, monthly, dues[: rng.randint(3, 10)])

    def _repayments(self, loan: str, principal: Decimal, monthly: Decimal,
                    dues: list[date]) -> Iterator[tuple[str, str, bytes]]:
        rng = self.rng
        case_no = 0
        for number, due in enumerate(dues, start=1):
            if rng.random() < 0.85:
                yield self._payment(loan, due, number, monthly, principal)
                continue
            case_no += 1
            case, collector, late = f"C{loan}-{case_no}", rng.choice(COLLECTORS), rng.randint(3, 25)
            missed_day = due + timedelta(days=1)
            yield self.envelope("servicing", "loan.payment.missed", loan, missed_day, {
                "loan_id": loan, "installment_number": number, "due_date": due.isoformat(),
                "amount_overdue": str(monthly), "days_past_due": 1, "overdue_since": due.isoformat(),
                "principal_outstanding": str(principal)})
            yield self.envelope("collections", "collections.case.opened", loan, missed_day, {
                "case_id": case, "loan_id": loan, "stage": "front", "days_past_due": 1,
                "amount_overdue": str(monthly), "opened_on": missed_day.isoformat()}, stream=case)
            yield self.envelope("collections", "collections.case.assigned", loan, missed_day, {
                "case_id": case, "loan_id": loan, "collector": collector, "queue": "front",
                "assigned_by": "sup-ma"}, stream=case)
            yield self.envelope("collections", "collections.contact.logged", loan, missed_day + timedelta(days=1), {
                "case_id": case, "loan_id": loan, "contact_id": f"K{case}", "channel": rng.choice(["phone", "letter"]),
                "outcome": "promised", "collector": collector,
                "contacted_at": f"{missed_day + timedelta(days=1)}T09:00:00+00:00"}, stream=case)
            promised = due + timedelta(days=late)
            yield self.envelope("collections", "collections.promise.made", loan, missed_day + timedelta(days=1), {
                "case_id": case, "loan_id": loan, "promise_id": f"P{case}", "amount": str(monthly),
                "promised_date": promised.isoformat(), "collector": collector}, stream=case)
            paid = self._payment(loan, promised, number, monthly, principal)
            yield paid
            for type_, data in (
                ("collections.promise.kept", {"promise_id": f"P{case}", "amount": str(monthly),
                                              "paid_amount": str(monthly), "promised_date": promised.isoformat(),
                                              "collector": collector}),
                ("collections.recovery.attributed", {"payment_id": f"pay-{loan}-{number}", "collector": collector,
                                                     "amount": str(monthly), "commission": str(monthly / 10),
                                                     "stage": "front"}),
                ("collections.case.resolved", {"resolution": "cured", "resolved_on": promised.isoformat()})):
                yield self.envelope("collections", type_, loan, promised, {"case_id": case, "loan_id": loan, **data},
                                    stream=case)

    def _payment(self, loan: str, day: date, number: int, monthly: Decimal,
                 principal: Decimal) -> tuple[str, str, bytes]:
        return self.envelope("servicing", "loan.payment.received", loan, day, {
            "loan_id": loan, "payment_id": f"pay-{loan}-{number}", "partner_id": "bank-a",
            "external_ref": f"x-{loan}-{number}", "amount": str(monthly), "paid_at": f"{day}T10:00:00+00:00",
            "allocation": [{"installment_number": number, "kind": "interest", "amount": str(monthly)}],
            "principal_outstanding": str(principal), "days_past_due": 0, "status": "current"})


def _month_20(start: date, months: int) -> date:
    month = start.month - 1 + months
    return date(start.year + month // 12, month % 12 + 1, 20)


def loan_book(events: int, seed: int = 20261128) -> Iterator[tuple[str, str, bytes]]:
    """At least `events` events (whole loans), as (service, key, CloudEvent JSON)."""
    book = Book(seed)
    produced = n = 0
    while produced < events:
        n += 1
        for item in book.loan(n):
            produced += 1
            yield item
