"""A case is freed the moment nothing holds it: no reference cycles, nothing left for the cycle collector.

Collections' consumer builds hundreds of cases per poll. A case in a reference cycle (a
collaborator kept on the case that points back at it) outlives its batch until the cyclic
garbage collector finds it, and the more such garbage, the more often that collector scans the
whole heap: pauses of the whole process (bench `propagation` at 1,000 loans/s). Collaborators
(`case.actions`, `case.policy`, ...) are therefore made on use and never stored on the case.
"""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal

import pytest

from services.collections.adapters.policy_file import load_policy
from services.collections.config import DEFAULT_POLICY
from services.collections.domain.case import Case
from services.collections.domain.state import CaseRules

POLICY = load_policy(DEFAULT_POLICY)
DUE = date(2026, 1, 20)


@pytest.fixture
def no_cycle_collector() -> Iterator[None]:
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def a_busy_case() -> Case:
    """A back-end case with a large debt: the policy escalates, sends a letter, refers to legal; a day closes."""
    case = Case.open(case_id="M1-E1", loan_id="M1", episode=1, days_past_due=95, overdue_since=DUE,
                     amount_overdue=Decimal("9000.00"), principal_outstanding=Decimal("20000.00"),
                     business_date=DUE + timedelta(days=95), rules=CaseRules())
    case.apply_policy(POLICY, DUE + timedelta(days=95))
    case.assign("collector-b1", by="routing", on=DUE + timedelta(days=95))
    case.actions.tag("serial_promiser", by="li", reason="three broken promises")
    case.close_day(DUE + timedelta(days=96))
    case.apply_policy(POLICY, DUE + timedelta(days=96))
    for collaborator in (case.actions, case.reach, case.complaint_desk, case.policy, case.letters, case.placements,
                         case.legal, case.arrangements):
        assert collaborator.case is case
    return case


def test_a_case_is_freed_by_reference_counting_alone(no_cycle_collector):
    case = a_busy_case()
    assert "collections.policy.decided" in [e.event_type for e in case.pending.events]
    freed = weakref.ref(case)
    del case
    assert freed() is None, ("a Case is still alive after its last reference went: something it holds points "
                             "back at it (keep collaborators as properties made on use, not attributes)")


def test_handling_a_case_leaves_no_garbage_for_the_cycle_collector(no_cycle_collector):
    case = a_busy_case()
    events = list(case.pending.events)
    del case, events
    assert gc.collect() == 0
