"""Agency placements and commission (issue 15), pure domain: place, recover, recall; who earns what."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from services.collections.adapters.policy_file import load_policy
from services.collections.config import DEFAULT_POLICY, CollectionsSettings
from services.collections.domain.attention import next_attention
from services.collections.domain.case import Case
from services.collections.domain.commission import CommissionRates, StageRates, credit
from services.collections.domain.errors import CaseRuleViolation, InvalidCommand
from services.collections.domain.history import fold
from services.collections.domain.placements import AgencyTerms
from services.collections.domain.state import CaseRules, decided
from shared.contracts import collections as ev
from shared.contracts.registry import upcast
from shared.errors import NotFound
from shared.money import ZERO

POLICY = load_policy(DEFAULT_POLICY)
RULES = CollectionsSettings().case_rules()  # the documented defaults
APRIL_20 = date(2026, 4, 20)
MAY_1 = date(2026, 5, 1)


class Story:
    """A case and every event it recorded, with the business date each was recorded on."""

    def __init__(self, dpd: int = 11, amount: str = "1066.19", rules: CaseRules = RULES) -> None:
        self.day = APRIL_20 + timedelta(days=dpd)
        self.case = Case.open(
            case_id="L1-E1",
            loan_id="L1",
            episode=1,
            days_past_due=dpd,
            overdue_since=APRIL_20,
            amount_overdue=Decimal(amount),
            principal_outstanding=Decimal("10000.00"),
            business_date=self.day,
            rules=rules,
        )
        self.history: list[tuple[ev.EventData, date]] = []
        self.settle()
        self.case.assign("li", by="routing", on=self.day)
        self.settle()

    def settle(self) -> list[ev.EventData]:
        """Apply the policy (routing to a collector of a new queue) and keep the events, as the service saves."""
        if self.case.is_open:
            self.case.apply_policy(POLICY, self.day)
            if self.case.pending.needs_assignment:
                self.case.assign(
                    {"agency": "agency-desk"}.get(self.case.state.queue, "li"), by="routing", on=self.day
                )
        events = list(self.case.pending.events)
        self.history += [(e, self.day) for e in events]
        self.case.pending.events = []
        return events

    def pay(self, amount: str, payment_id: str, status: str = "overdue") -> ev.RecoveryAttributed:
        self.case.observe_payment(
            payment_id=payment_id,
            amount=Decimal(amount),
            paid_on=self.day,
            loan_status=status,
            days_past_due=(self.day - APRIL_20).days,
            overdue_since=APRIL_20,
            amount_overdue=None,
        )
        [recovered] = [e for e in self.settle() if isinstance(e, ev.RecoveryAttributed)]
        return recovered

    def folds_back(self) -> bool:
        return decided(fold(self.history, episode_key=APRIL_20, rules=RULES)) == decided(self.case.state)


def test_a_placement_moves_the_case_to_the_agency_queue_with_its_terms_and_the_balance_placed():
    story = Story()
    story.case.observe_charge("penalty_interest", Decimal("12.34"))
    placement = story.case.placements.place(
        agency="华信资产", fee_rate=Decimal("0.25"), recall_on=date(2026, 7, 31), by="chen", business_date=story.day
    )
    [made, routed] = story.settle()
    assert isinstance(made, ev.PlacementMade) and isinstance(routed, ev.CaseAssigned)
    assert (made.placement_id, made.agency, made.fee_rate, made.placed_on, made.recall_on, made.placed_balance) == (
        "L1-E1-P1",
        "华信资产",
        Decimal("0.25"),
        story.day,
        date(2026, 7, 31),
        Decimal("1078.53"),
    )
    assert placement.status == "active" and story.case.placements.active == placement
    assert (story.case.state.queue, story.case.state.agency, story.case.state.assignee) == (
        "agency",
        "华信资产",
        "agency-desk",
    )
    assert story.folds_back()


def test_one_active_placement_at_a_time_and_the_recall_date_must_be_after_the_business_date():
    story = Story()
    with pytest.raises(InvalidCommand) as too_soon:
        story.case.placements.place(
            agency="A", fee_rate=Decimal("0.2"), recall_on=story.day, by="chen", business_date=story.day
        )
    assert too_soon.value.code == "recall_on_not_after_business_date"
    for rate in ("0", "1", "-0.1", "1.5"):
        with pytest.raises(InvalidCommand):
            story.case.placements.place(
                agency="A",
                fee_rate=Decimal(rate),
                recall_on=MAY_1 + timedelta(days=30),
                by="chen",
                business_date=story.day,
            )
    assert story.case.pending.events == [] and story.case.state.placements == []
    story.case.placements.place(
        agency="A", fee_rate=Decimal("0.2"), recall_on=MAY_1 + timedelta(days=30), by="chen", business_date=story.day
    )
    story.settle()
    with pytest.raises(CaseRuleViolation) as twice:
        story.case.placements.place(
            agency="B",
            fee_rate=Decimal("0.3"),
            recall_on=MAY_1 + timedelta(days=60),
            by="chen",
            business_date=story.day,
        )
    assert twice.value.rule == "placement_active" and [p.agency for p in story.case.state.placements] == ["A"]


def test_while_placed_a_payment_credits_the_agency_with_its_fee_and_no_collector_commission():
    story = Story()
    story.case.placements.place(
        agency="A", fee_rate=Decimal("0.25"), recall_on=date(2026, 6, 30), by="chen", business_date=story.day
    )
    story.settle()
    recovered = story.pay("301.01", "pay1")
    assert (recovered.channel, recovered.agency, recovered.placement_id) == ("agency", "A", "L1-E1-P1")
    assert (recovered.agency_fee, recovered.commission, recovered.collector) == (Decimal("75.25"), ZERO, None)
    assert recovered.stage == "front"
    placement = story.case.placements.active
    assert placement is not None and (placement.recovered, placement.agency_fees) == (
        Decimal("301.01"),
        Decimal("75.25"),
    )
    assert story.folds_back()


def test_the_placement_is_recalled_at_the_first_day_close_after_its_recall_date_once_and_the_case_comes_back():
    story = Story()
    story.case.placements.place(
        agency="A", fee_rate=Decimal("0.25"), recall_on=date(2026, 5, 10), by="chen", business_date=story.day
    )
    story.settle()
    assert next_attention(story.case.state, RULES, POLICY) == date(2026, 5, 11)
    story.pay("100.00", "pay1")
    story.day = date(2026, 5, 10)
    story.case.close_day(story.day)
    assert not [e for e in story.settle() if isinstance(e, ev.PlacementRecalled)]  # the recall date itself: placed
    story.day = date(2026, 5, 11)
    story.case.close_day(story.day)
    [recalled] = [e for e in story.settle() if isinstance(e, ev.PlacementRecalled)]
    assert (recalled.reason, recalled.recalled_on, recalled.recalled_by) == ("recall_date", date(2026, 5, 11), "system")
    assert (recalled.recovered, recalled.agency_fees) == (Decimal("100.00"), Decimal("25.00"))
    assert (story.case.state.queue, story.case.state.agency, story.case.state.assignee) == ("front", None, "li")
    story.day = date(2026, 5, 12)
    story.case.close_day(story.day)
    assert not [e for e in story.settle() if isinstance(e, ev.PlacementRecalled)]  # idempotent: recalled once
    back_to_collector = story.pay("100.00", "pay2")
    assert (back_to_collector.channel, back_to_collector.collector, back_to_collector.commission) == (
        "collector",
        "li",
        Decimal("12.00"),
    )
    assert story.folds_back()


def test_a_recall_by_hand_ends_the_placement_and_a_second_recall_is_refused():
    story = Story()
    story.case.placements.place(
        agency="A", fee_rate=Decimal("0.3"), recall_on=date(2026, 8, 1), by="chen", business_date=story.day
    )
    story.settle()
    with pytest.raises(NotFound):
        story.case.placements.recall("L1-E1-P9", by="chen", business_date=story.day)
    story.case.placements.recall("L1-E1-P1", by="chen", business_date=story.day)
    [recalled, _assigned] = story.settle()
    assert isinstance(recalled, ev.PlacementRecalled) and recalled.reason == "requested"
    with pytest.raises(CaseRuleViolation) as again:
        story.case.placements.recall("L1-E1-P1", by="chen", business_date=story.day)
    assert again.value.rule == "placement_not_active"
    second = story.case.placements.place(
        agency="B", fee_rate=Decimal("0.2"), recall_on=date(2026, 9, 1), by="chen", business_date=story.day
    )
    assert second.placement_id == "L1-E1-P2"
    story.settle()
    assert story.folds_back()


def test_the_case_closing_ends_its_placement():
    story = Story()
    story.case.placements.place(
        agency="A", fee_rate=Decimal("0.25"), recall_on=date(2026, 8, 1), by="chen", business_date=story.day
    )
    story.settle()
    story.pay("1066.19", "pay1", status="current")
    placement = story.case.state.placements[0]
    assert (placement.status, placement.recall_reason, story.case.state.status) == ("recalled", "case_closed", "closed")
    assert (placement.recovered, placement.agency_fees) == (Decimal("1066.19"), Decimal("266.55"))
    assert story.folds_back()


def test_the_policys_agency_placement_is_a_real_placement_on_the_configured_terms():
    """back-agency-small: a back-end case with less than 5,000 overdue is placed with the `default` agency."""
    rules = CaseRules(agencies={"default": AgencyTerms(fee_rate=Decimal("0.28"), placement_days=60)})
    story = Story(dpd=95, amount="1066.19", rules=rules)
    decision = next(e for e, _ in story.history if isinstance(e, ev.PolicyDecided) and e.rule_id == "back-agency-small")
    made = next(e for e, _ in story.history if isinstance(e, ev.PlacementMade))
    assert decision.actions == [{"type": "place_with_agency", "agency": "default", "placement_id": "L1-E1-P1"}]
    assert (made.fee_rate, made.recall_on, made.placed_by, made.rule_id) == (
        Decimal("0.28"),
        story.day + timedelta(days=60),
        "policy",
        "back-agency-small",
    )
    assert story.case.state.queue == "agency"
    assert decided(fold(story.history, episode_key=APRIL_20, rules=rules)) == decided(story.case.state)


def test_a_legacy_policy_placement_without_a_placement_event_still_folds_to_the_agency_queue():
    story = Story()
    legacy = ev.PolicyDecided(
        case_id="L1-E1",
        loan_id="L1",
        policy_version="1",
        rule_id="back-agency-small",
        trigger="stage_changed",
        actions=[{"type": "place_with_agency", "agency": "default"}],
    )
    state = fold([*story.history, (legacy, story.day)], episode_key=APRIL_20, rules=RULES)
    assert (state.queue, state.agency, state.placements) == ("agency", "default", [])


def test_in_legal_proceedings_the_recovery_is_the_legal_channels_at_legals_rate():
    story = Story()
    story.case.legal.record(kind="referral", on=story.day, by="wu", business_date=story.day)  # in legal (by hand)
    story.settle()
    recovered = story.pay("1000.00", "pay1")
    assert (recovered.channel, recovered.collector, recovered.commission) == ("legal", "li", Decimal("50.00"))
    story.case.legal.record(kind="closed", on=story.day, by="wu", business_date=story.day, outcome="withdrawn")
    story.settle()
    assert story.pay("10.00", "pay2").channel == "collector", "the proceedings closed: no longer legal's"
    assert story.folds_back()


def test_commission_is_rounded_half_up_to_the_fen_per_recovery():
    rates = CommissionRates()
    assert credit(
        Decimal("100.30"), stage="mid", holder="li", in_legal=False, rates=rates, placement=None
    ).commission == Decimal("15.05")  # 15.045: half-up, not to even
    assert credit(
        Decimal("1066.19"), stage="mid", holder="li", in_legal=False, rates=rates, placement=None
    ).commission == Decimal("159.93")  # 159.9285
    assert credit(
        Decimal("0.02"), stage="front", holder="li", in_legal=False, rates=rates, placement=("P1", "A", Decimal("0.25"))
    ).agency_fee == Decimal("0.01")  # 0.005
    assert (
        credit(Decimal("500.00"), stage="back", holder=None, in_legal=False, rates=rates, placement=None).commission
        == ZERO
    )  # nobody held the case


# The notes (seed line 17): "20xx年7月份至20xx年12月份,总回收金额466254.5元,为公司创造佣金62059.5元". The same
# notes say part of the front-end team moved to support mid-end in July–August: this collector's
# recoveries, month by month, with the stage of the cases they came from.
NOTES_COLLECTOR = [
    ("2026-07", "mid", ["35210.00", "28644.00", "41307.00", "12875.00"]),
    ("2026-08", "mid", ["30118.00", "26973.00", "28505.00"]),
    ("2026-09", "front", ["18640.50", "22381.00", "9875.50", "15330.00"]),
    ("2026-10", "front", ["31206.00", "27418.50", "12090.00"]),
    ("2026-11", "front", ["24755.00", "19863.50", "30412.00"]),
    ("2026-12", "front", ["26901.50", "23749.00"]),
]


def test_the_default_rates_reproduce_the_notes_collector_466254_50_recovered_62059_50_commission():
    """203,632.00 recovered in mid-end at 15% and 262,622.50 in front-end at 12%: 30,544.80 + 31,514.70."""
    rates = CollectionsSettings().commission_rates
    credits = [
        (
            stage,
            Decimal(a),
            credit(Decimal(a), stage=stage, holder="collector-f1", in_legal=False, rates=rates, placement=None),
        )
        for _, stage, amounts in NOTES_COLLECTOR
        for a in amounts
    ]
    assert sum(a for _, a, _ in credits) == Decimal("466254.50")
    assert sum(a for stage, a, _ in credits if stage == "mid") == Decimal("203632.00")
    assert sum(c.commission for _, _, c in credits) == Decimal("62059.50")
    assert {c.channel for _, _, c in credits} == {"collector"}


def test_the_same_recoveries_through_an_agency_earn_no_commission():
    rates = CommissionRates(collector=StageRates(front=Decimal("0.12"), mid=Decimal("0.15"), back=Decimal("0.2")))
    fees = [
        credit(
            Decimal(a),
            stage=stage,
            holder="agency-desk",
            in_legal=False,
            rates=rates,
            placement=("P1", "A", Decimal("0.25")),
        )
        for _, stage, amounts in NOTES_COLLECTOR
        for a in amounts
    ]
    assert sum(f.commission for f in fees) == ZERO
    assert sum(f.agency_fee for f in fees) == Decimal("116563.65")  # rounded per recovery: 116,563.625 on the total


def test_a_v1_recovery_upcasts_to_the_collector_channel():
    v1 = {
        "case_id": "L1-E1",
        "loan_id": "L1",
        "payment_id": "p",
        "collector": "li",
        "amount": "10.00",
        "commission": "1.00",
        "stage": "front",
    }
    data = ev.RecoveryAttributed.model_validate(upcast("collections.recovery.attributed", 1, v1))
    assert (data.channel, data.agency, data.placement_id, data.agency_fee) == ("collector", None, None, ZERO)
