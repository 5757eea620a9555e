"""Settings of the collections service (prefix LOANFLOW_COLLECTIONS_)."""

from __future__ import annotations

from datetime import time
from decimal import Decimal
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import SettingsConfigDict

from services.collections.domain.arrangements import ArrangementLimits
from services.collections.domain.commission import CommissionRates
from services.collections.domain.contact_policy import ContactPolicy
from services.collections.domain.letter_text import Lender
from services.collections.domain.placements import DEFAULT_AGENCIES, AgencyTerms
from services.collections.domain.qa import DEFAULT_SCORECARD, ScorecardItem
from services.collections.domain.staging import StageBounds
from services.collections.domain.state import CaseRules
from shared.config import DEFAULT_PORTS, ServiceSettings

DEFAULT_POLICY = Path(__file__).parent / "policy" / "escalation.yaml"

# Work queues and the collectors who work them; JSON in LOANFLOW_COLLECTIONS_ROSTER.
DEFAULT_ROSTER: dict[str, list[str]] = {
    "front": ["collector-f1", "collector-f2"],
    "mid": ["collector-m1", "collector-m2"],
    "back": ["collector-b1"],
    "legal": ["legal-1"],
    "agency": ["agency-desk"],
    "fraud": ["fraud-1"],
    "deceased": ["special-1"],
    "estate": ["special-1"],
}


class CollectionsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="LOANFLOW_COLLECTIONS_", extra="ignore")

    service_name: str = "collections"
    port: int = DEFAULT_PORTS["collections"]
    policy_path: Path = DEFAULT_POLICY
    challenger_policy: Path | None = None  # a challenger policy file (same schema), see POLICY.md "Champion/challenger"
    challenger_share: float = Field(default=0.0, ge=0.0, le=1.0)  # its share of new cases
    front_max_dpd: int = 30
    mid_max_dpd: int = 90
    promise_grace_days: int = Field(default=0, ge=0)
    promise_max_days: int = Field(default=365, ge=1, le=3650)
    serial_promiser_after: int = Field(default=2, ge=1)
    max_calls_per_week: int = Field(default=7, ge=1)
    call_window_start: time = time(8, 0)
    call_window_end: time = time(21, 0)
    borrower_timezone: str = "Asia/Shanghai"
    visit_target: int = Field(default=25, ge=0)  # field visits a month per collector: a target, never a cap
    complaint_due_days: int = Field(default=15, ge=1, le=365)  # a complaint is due this many days after it came in
    qa_sample_size: int = Field(default=5, ge=1, le=1000)  # recorded contacts drawn per collector per week
    # the QA scorecard: JSON list of {id, zh, en, coaching}; failing a `coaching` item requires coaching
    qa_scorecard: list[ScorecardItem] = Field(default_factory=lambda: list(DEFAULT_SCORECARD), min_length=1)
    # LOANFLOW_COLLECTIONS_COMMISSION_RATES='{"collector": {"front": "0.12", "mid": "0.15", "back": "0.20"},
    #   "legal": {...}}': rates by channel and stage (domain/commission.py); an agency earns its placement fee
    commission_rates: CommissionRates = Field(default_factory=CommissionRates)
    # LOANFLOW_COLLECTIONS_AGENCIES='{"default": {"fee_rate": "0.25", "placement_days": 90}}': the terms of the
    # agencies the escalation policy's place_with_agency names (a person's placement gives its own)
    agencies: dict[str, AgencyTerms] = Field(default_factory=lambda: dict(DEFAULT_AGENCIES))
    statute_years: int = 3
    statute_warn_days: int = 90
    roster: dict[str, list[str]] = Field(default_factory=lambda: dict(DEFAULT_ROSTER))
    # a collector's open cases of a queue they leave (PUT /roster/{collector}): stay with them, or rebalance
    roster_cases: Literal["stay", "rebalance"] = "stay"
    # arrangements (issue 15): how much of a waiver each role approves; within the proposer's own limit at once
    arrangement_collector_limit: Decimal = Field(default=Decimal("0.00"), ge=0)
    arrangement_supervisor_share: Decimal = Field(default=Decimal("0.20"), ge=0, le=1)  # of the amount owed
    arrangement_supervisor_limit: Decimal = Field(default=Decimal("5000.00"), ge=0)  # and at most this amount
    arrangement_credit_manager_limit: Decimal | None = Field(default=None, ge=0)  # None: no limit
    arrangement_max_instalments: int = Field(default=36, ge=1, le=120)
    # Where the borrowers' data keys are fetched (issue 16): origination (LOANFLOW_ORIGINATION_URL also works).
    origination_url: str = Field(f"http://127.0.0.1:{DEFAULT_PORTS['origination']}",
                                 validation_alias=AliasChoices("LOANFLOW_COLLECTIONS_ORIGINATION_URL",
                                                               "LOANFLOW_ORIGINATION_URL"))
    # a case not worked (no contact) for this many days moves to another collector of its queue (unset: never)
    reassign_after_days: int | None = Field(default=None, ge=1, le=3650)
    lender: Lender = Field(default_factory=Lender)  # LOANFLOW_COLLECTIONS_LENDER='{"phone": ...}': signs letters

    @field_validator("qa_scorecard")
    @classmethod
    def _distinct_items(cls, items: list[ScorecardItem]) -> list[ScorecardItem]:
        ids = [i.id for i in items]
        if len(set(ids)) != len(ids):
            raise ValueError(f"scorecard item ids repeat: {ids}")
        return items

    def case_rules(self) -> CaseRules:
        return CaseRules(bounds=StageBounds(self.front_max_dpd, self.mid_max_dpd),
                         promise_grace_days=self.promise_grace_days,
                         promise_max_days=self.promise_max_days, serial_promiser_after=self.serial_promiser_after,
                         statute_years=self.statute_years, statute_warn_days=self.statute_warn_days,
                         commission=self.commission_rates, agencies=dict(self.agencies))

    def arrangement_limits(self) -> ArrangementLimits:
        return ArrangementLimits(collector=self.arrangement_collector_limit,
                                 supervisor_share=self.arrangement_supervisor_share,
                                 supervisor=self.arrangement_supervisor_limit,
                                 credit_manager=self.arrangement_credit_manager_limit,
                                 max_instalments=self.arrangement_max_instalments)

    def contact_policy(self) -> ContactPolicy:
        return ContactPolicy(max_calls_per_week=self.max_calls_per_week, window_start=self.call_window_start,
                             window_end=self.call_window_end, visit_target=self.visit_target)
