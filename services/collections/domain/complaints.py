"""Complaints, kept apart from the debt (DOMAIN.md §3).

"complaint (about sales, the amount approved, fees, a collector: calm first, then separate the
complaint from the repayment — collection goes on while it is handled)". A complaint has its own
record — category, description, owner, due date, resolution — and never pauses contact or
promises; only a dispute of the debt itself does (paths.open_dispute).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel

from services.collections.domain.errors import CaseRuleViolation
from shared.contracts import collections as ev
from shared.contracts.collections import ComplaintCategory
from shared.errors import NotFound

if TYPE_CHECKING:
    from services.collections.domain.case import Case


class Complaint(BaseModel):
    complaint_id: str
    category: ComplaintCategory
    description: str
    owner: str
    opened_by: str
    opened_on: date
    due_on: date
    collector: str | None = None  # the collector complained about (collector_conduct)
    assignee: str | None = None  # the case's collector when the complaint came in
    status: Literal["open", "resolved"] = "open"
    resolution: str | None = None
    resolved_by: str | None = None
    resolved_on: date | None = None


def default_owner(queue: str) -> str:
    """A complaint nobody names an owner for goes to the supervisors of the case's queue."""
    return f"supervisor:{queue}"


class ComplaintDesk:
    """Opening and resolving complaints on a case (`case.complaint_desk`); events go through the case."""

    def __init__(self, case: Case) -> None:
        self.case = case

    def open(self, *, complaint_id: str, category: ComplaintCategory, description: str, owner: str | None, by: str,
             business_date: date, due_days: int) -> Complaint:
        """Record a complaint due `due_days` after the business date; the case's collection goes on."""
        self.case.require_open()
        s = self.case.state
        self.case.record(ev.ComplaintOpened(
            **self.case.ids(), complaint_id=complaint_id, category=category, description=description,
            owner=owner or default_owner(s.queue), opened_by=by, opened_on=business_date,
            due_on=business_date + timedelta(days=due_days),
            collector=s.assignee if category == "collector_conduct" else None, assignee=s.assignee))
        return s.complaints[-1]

    def resolve(self, *, complaint_id: str, resolution: str, by: str, business_date: date) -> Complaint:
        """Answer an open complaint (also once the case has closed: a complaint outlives the debt)."""
        complaint = next((c for c in self.case.state.complaints if c.complaint_id == complaint_id), None)
        if complaint is None:
            raise NotFound(f"no complaint {complaint_id} on case {self.case.state.case_id}")
        if complaint.status != "open":
            raise CaseRuleViolation("complaint_resolved", f"complaint {complaint_id} was already resolved")
        self.case.record(ev.ComplaintResolved(
            **self.case.ids(), complaint_id=complaint_id, category=complaint.category, resolution=resolution,
            resolved_by=by, resolved_on=business_date, due_on=complaint.due_on,
            overdue=business_date > complaint.due_on, collector=complaint.collector))
        return complaint
