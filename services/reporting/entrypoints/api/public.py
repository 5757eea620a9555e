"""Response bodies of the reporting API (`XPublic`): what `/openapi.json` promises each 2xx answers.

`extra="forbid"`: a report carrying a key its model does not declare fails the response
validation (a 500 in tests), so the models cannot silently fall behind the reports. Amounts and
ratios are decimal strings exactly as computed ("98000.00", ratios to four places "0.8058").
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer

Amount = Annotated[Decimal, PlainSerializer(lambda v: format(v, "f"), return_type=str)]
Ratio = Annotated[Decimal | None, PlainSerializer(lambda v: None if v is None else format(v, "f"),
                                                  return_type=str | None)]


class Public(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


# ---- portfolio -----------------------------------------------------------------------------------------

class CountAmountPublic(Public):
    count: int
    amount: Amount


class MaturedPublic(Public):
    """Installments due by `as_of`: due, collected on them, collected ÷ due (到期贷款收回率)."""

    due: Amount
    collected: Amount
    collection_rate: Ratio


class BorrowerSharePublic(Public):
    borrower: str
    outstanding: Amount
    share: Ratio


class ConcentrationPublic(Public):
    """Share of the outstanding book held by the `top_n` largest borrowers."""

    top_n: int
    top_outstanding: Amount
    share: Ratio
    borrowers: list[BorrowerSharePublic]


class ProductPublic(Public):
    disbursed_count: int
    disbursed_amount: Amount
    active_loans: int
    outstanding_principal: Amount


class PortfolioPublic(Public):
    as_of: dt.date
    loans_disbursed: CountAmountPublic
    active_loans: int
    active_borrowers: int
    outstanding_principal: Amount
    interest_received: Amount
    penalty_interest_received: Amount
    charges_received: Amount
    interest_receivable: Amount
    interest_scheduled_unreceived: Amount
    matured: MaturedPublic
    concentration: ConcentrationPublic
    by_product: dict[str, ProductPublic]


class BookLoanPublic(Public):
    """One loan of the loan book at the end of `as_of` (borrower masked)."""

    loan_id: str
    borrower: str
    region: str | None
    product: str
    principal: Amount
    disbursement_date: dt.date
    status: str
    outstanding_principal: Amount
    days_past_due: int
    bucket: str
    stage: str


class LoanBookPage(Public):
    as_of: dt.date
    next_cursor: str | None
    items: list[BookLoanPublic]


# ---- delinquency ---------------------------------------------------------------------------------------

class CountBalancePublic(Public):
    count: int
    balance: Amount


class NplPublic(Public):
    balance: Amount
    ratio: Ratio


class MonthEndPublic(Public):
    day: dt.date = Field(alias="date")
    outstanding_principal: Amount
    npl: NplPublic


class ChangePublic(Public):
    npl_balance: Amount
    npl_ratio: Ratio


class RollPublic(Public):
    """Where the loans of one DPD bucket at the previous month end went by `as_of`."""

    count: int
    to: dict[str, int]
    roll_forward_rate: Ratio
    cure_rate: Ratio


class DelinquencyPublic(Public):
    as_of: dt.date
    npl_dpd_threshold: int
    outstanding_principal: Amount
    by_stage: dict[str, CountBalancePublic]
    by_bucket: dict[str, CountBalancePublic]
    npl: NplPublic
    previous_month_end: MonthEndPublic
    change: ChangePublic
    roll_rates: dict[str, RollPublic]


# ---- collections ---------------------------------------------------------------------------------------

class ActivityPublic(Public):
    calls: int
    letters: int
    visits: int
    sms: int
    other: int = 0  # contacts on a channel the report does not name (absent when none)


class PromisesPublic(Public):
    made: int
    kept: int
    broken: int


class FiguresPublic(Public):
    recovered: Amount
    commission: Amount
    activity: ActivityPublic
    promises: PromisesPublic
    promise_kept_rate: Ratio
    complaints: int
    time_barred_cases: int
    qa_reviewed: int  # QA reviews of recorded contacts (business date of the review)
    qa_findings: int  # failed scorecard items of those reviews


class CurePublic(Public):
    worked: int
    cured: int
    rate: Ratio


class StageRollPublic(Public):
    worked: int
    rolled: int
    to: str
    rate: Ratio


class CollectorPublic(Public):
    recovered: Amount
    commission: Amount
    calls: int
    letters: int
    visits: int
    sms: int
    other: int = 0
    valid_visits: int  # visits that met the borrower or family
    visit_target: int  # the monthly visit target they are measured against
    promises: PromisesPublic
    complaints: int
    commission_by_month: dict[str, Amount] = {}  # "YYYY-MM" -> commission earned that month
    department_share: Amount | None = None  # the department's share of the commission (…_DEPARTMENT_SHARE)
    qa_reviewed: int  # reviews of their recorded contacts
    qa_findings: int  # failed scorecard items found on them


class AgencyPublic(Public):
    """An agency's placements active in the period: the balance placed, what it recovered then and its fees."""

    placements: int
    active: int  # still placed at the period's end
    placed_balance: Amount
    recovered: Amount
    fees: Amount
    liquidation_rate: Ratio  # recovered / placed_balance


class MonthCommissionPublic(Public):
    recovered: Amount
    commission: Amount


class ChannelPublic(Public):
    """What a channel recovered and earned: commission (collector, legal) or agency fees (agency)."""

    recovered: Amount
    commission: Amount
    agency_fees: Amount


class UntouchedPublic(Public):
    days: int
    total: int
    by_queue: dict[str, int]
    by_collector: dict[str, int]


class RegionPublic(FiguresPublic):
    households: int
    notices_signed: int


class LegalCasesPublic(Public):
    """Cases by where their proceedings stand at the period's end (a referral lapsed by the time bar: none)."""

    referred: int
    filed: int
    payment_order: int
    judgment: int
    enforcement: int
    closed: int


class LegalReportPublic(Public):
    """Legal proceedings (issue 15): cases per stage; steps recorded in the period, their costs, what the
    proceedings closed in the period recovered, and how they ended."""

    cases: LegalCasesPublic
    referrals: int
    filings: int
    payment_orders: int
    judgments: int
    enforcements: int
    police_reports: int
    closed: int
    costs: Amount
    recovered: Amount
    closed_by_outcome: dict[str, int]


class WaivedPublic(Public):
    total: Amount
    charges: Amount
    interest: Amount
    principal: Amount


class ArrangementsPublic(Public):
    """Issue 15: arrangements decided in the period, waived (servicing's split, net of restorations), recovered
    under arrangements; `pending_approval` at the period's end; `declined`: approved ones servicing could not
    honour (`collections.arrangement.declined`), so no plan was in place."""

    proposed: int
    approved: int
    rejected: int
    broken: int
    completed: int
    declined: int = 0
    pending_approval: int
    waived: WaivedPublic
    recovered: Amount


class CollectionsPublic(FiguresPublic):
    start: dt.date = Field(alias="from")
    end: dt.date = Field(alias="to")
    notices_signed: int
    cure_rate: dict[str, CurePublic]
    stage_roll: dict[str, StageRollPublic]
    delinquency_reasons: dict[str, int]
    untouched_cases: UntouchedPublic
    arrangements: ArrangementsPublic | None = None
    collectors: dict[str, CollectorPublic]
    agencies: dict[str, AgencyPublic] = {}
    commission_by_month: dict[str, MonthCommissionPublic] = {}  # collectors' and legal's, by "YYYY-MM"
    commission_by_channel: dict[str, ChannelPublic] = {}
    legal: LegalReportPublic
    regions: dict[str, RegionPublic] | None = None  # with ?group_by=region only


# ---- timeline ------------------------------------------------------------------------------------------

class CausePublic(Public):
    event_id: str
    type: str | None
    source: str | None


class TimelineItemPublic(Public):
    event_id: str
    type: str
    source: str
    subject: str
    sequence: int
    businessdate: dt.date
    time: str = Field(json_schema_extra={"format": "date-time"})
    actor: str
    caused_by: CausePublic | None
    correlationid: str | None
    data: dict[str, Any]


class TimelinePage(Public):
    loan_id: str
    next_cursor: str | None
    items: list[TimelineItemPublic]
