"""Placing a case with a collection agency (委外催收) and recalling it (`case.placements`), issue 15.

A placement names the agency, its fee rate (a share of what it recovers) and the recall date.
One placement at a time: a case already placed is 409 `placement_active`. The recall date must be
after the business date (422 `recall_on_not_after_business_date`). While placed the case sits in
the `agency` queue, and every payment credits the agency with its fee and no collector with
commission (domain/commission.py). The placement ends when recalled by hand, automatically at the
first day-close after its recall date (`recall_date`), or when the case closes (`case_closed`);
the case goes back to its stage queue.

The escalation policy's `place_with_agency` action places the case too: the agency it names with
the fee rate and placement length of that agency's configured terms (LOANFLOW_COLLECTIONS_AGENCIES).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field

from services.collections.domain.errors import CaseRuleViolation, InvalidCommand
from services.collections.domain.letters import amounts
from shared.contracts import collections as ev
from shared.errors import NotFound
from shared.money import ZERO, Money, Rate

if TYPE_CHECKING:
    from services.collections.domain.case import Case

PlacementStatus = Literal["active", "recalled"]


class AgencyTerms(BaseModel):
    """An agency's standing terms, used when the escalation policy places a case with it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    fee_rate: Rate = Field(gt=0, lt=1)
    placement_days: int = Field(gt=0, le=3650)


DEFAULT_AGENCIES: dict[str, AgencyTerms] = {"default": AgencyTerms(fee_rate=Decimal("0.25"), placement_days=90)}


class Placement(BaseModel):
    """A placement as the case keeps it: the fold of its made / recalled events and the recoveries between."""

    placement_id: str
    agency: str
    fee_rate: Rate
    placed_on: date
    recall_on: date
    placed_balance: Money
    placed_by: str
    rule_id: str | None = None
    status: PlacementStatus = "active"
    recovered: Money = ZERO
    agency_fees: Money = ZERO
    recalled_on: date | None = None
    recall_reason: ev.PlacementRecall | None = None
    recalled_by: str | None = None


def active(placements: list[Placement]) -> Placement | None:
    return next((p for p in placements if p.status == "active"), None)


class CasePlacements:
    """Places a case with an agency and recalls it; events go through the case."""

    def __init__(self, case: Case) -> None:
        self.case = case

    @property
    def active(self) -> Placement | None:
        return active(self.case.state.placements)

    def place(
        self,
        *,
        agency: str,
        fee_rate: Decimal,
        recall_on: date,
        by: str,
        business_date: date,
        rule_id: str | None = None,
    ) -> Placement:
        """Place the open case; refused when it is placed already or the recall date is not after today.

        The placement's id is the case's id and its number on the case (`<case id>-P1`, `-P2`, ...)."""
        self.case.require_open()
        if not Decimal(0) < fee_rate < Decimal(1):
            raise InvalidCommand("fee_rate_out_of_range", f"fee_rate {fee_rate} is not a share in (0, 1)")
        if recall_on <= business_date:
            raise InvalidCommand(
                "recall_on_not_after_business_date",
                f"recall_on {recall_on} is not after the business date {business_date}",
            )
        current = self.active
        if current is not None:
            raise CaseRuleViolation(
                "placement_active",
                f"the case is placed with {current.agency} until "
                f"{current.recall_on} ({current.placement_id}); recall it first",
                placement_id=current.placement_id,
            )
        s = self.case.state
        placement_id = f"{s.case_id}-P{len(s.placements) + 1}"
        self.case.record(
            ev.PlacementMade(
                **self.case.ids(),
                placement_id=placement_id,
                agency=agency,
                fee_rate=fee_rate,
                placed_on=business_date,
                recall_on=recall_on,
                placed_balance=amounts(s)["total_due"],
                placed_by=by,
                rule_id=rule_id,
            )
        )
        placed = self.active
        assert placed is not None
        return placed

    def place_by_policy(self, agency: str, terms: AgencyTerms, *, business_date: date, rule_id: str) -> Placement:
        return self.place(
            agency=agency,
            fee_rate=terms.fee_rate,
            recall_on=business_date + timedelta(days=terms.placement_days),
            by="policy",
            business_date=business_date,
            rule_id=rule_id,
        )

    def recall(
        self, placement_id: str, *, by: str, business_date: date, reason: ev.PlacementRecall = "requested"
    ) -> Placement:
        """End the placement; recalling one already recalled is 409 `placement_not_active`."""
        placement = next((p for p in self.case.state.placements if p.placement_id == placement_id), None)
        if placement is None:
            raise NotFound(f"no placement {placement_id} on case {self.case.state.case_id}")
        if placement.status != "active":
            raise CaseRuleViolation(
                "placement_not_active",
                f"placement {placement_id} was recalled on {placement.recalled_on} ({placement.recall_reason})",
                placement_id=placement_id,
            )
        self.case.record(
            ev.PlacementRecalled(
                **self.case.ids(),
                placement_id=placement_id,
                agency=placement.agency,
                recalled_on=business_date,
                reason=reason,
                recalled_by=by,
                recovered=placement.recovered,
                agency_fees=placement.agency_fees,
            )
        )
        return placement

    def recall_if_due(self, day: date) -> None:
        """Day-close: a placement whose recall date has passed is recalled (once: it is then no longer active)."""
        placement = self.active
        if placement is not None and day > placement.recall_on:
            self.recall(placement.placement_id, by="system", business_date=day, reason="recall_date")

    def end_with_case(self, on: date) -> None:
        """The case closes: its placement ends with it."""
        placement = self.active
        if placement is not None:
            self.recall(placement.placement_id, by="system", business_date=on, reason="case_closed")
