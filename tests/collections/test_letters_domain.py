"""Letters on a case, pure: the tracking number, what a letter says, when a delivery restarts the statute."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from services.collections.adapters.letter_pdf import letter_paragraphs
from services.collections.adapters.policy_file import load_policy
from services.collections.config import DEFAULT_POLICY
from services.collections.domain.case import Case
from services.collections.domain.contact_points import ContactPoint
from services.collections.domain.errors import CaseRuleViolation, InvalidCommand
from services.collections.domain.history import fold
from services.collections.domain.letter_text import Lender, amount_rows, letter_fields
from services.collections.domain.letters import s10_check_digit, tracking_number_for, valid_tracking_number
from services.collections.domain.state import CaseRules, decided
from shared.contracts import collections as ev
from shared.errors import NotFound

POLICY = load_policy(DEFAULT_POLICY)
APRIL_20, MAY_21 = date(2026, 4, 20), date(2026, 5, 21)


def mid_case() -> tuple[Case, list[tuple[ev.EventData, date]]]:
    """The 20 April installment of 1,066.19 unpaid; 31 days later, with 罚息 and a failed-debit fee charged."""
    case = Case.open(case_id="L1-E1", loan_id="L1", episode=1, days_past_due=31, overdue_since=APRIL_20,
                     amount_overdue=Decimal("1066.19"), principal_outstanding=Decimal("11000.00"),
                     business_date=MAY_21, rules=CaseRules())
    case.observe_charge("penalty_interest", Decimal("15.20"))
    case.observe_charge("failed_debit_fee", Decimal("30.00"))
    case.assign("li", by="routing", on=MAY_21)
    history: list[tuple[ev.EventData, date]] = []
    recorded(case, history, MAY_21)
    return case, history


def recorded(case: Case, history: list[tuple[ev.EventData, date]], day: date) -> list[ev.EventData]:
    events, case.pending.events = case.pending.events, []
    history += [(e, day) for e in events]
    return events


def test_a_tracking_number_is_an_s10_identifier_with_its_check_digit():
    assert s10_check_digit("47312482") == 9  # the UPU S10 worked example, RR473124829GB
    assert valid_tracking_number("RR473124829GB") and valid_tracking_number("XA123456785CN")
    assert not valid_tracking_number("RR473124826GB")  # wrong check digit
    assert not valid_tracking_number("XA12345678CN")  # a digit short
    number = tracking_number_for("L1-E1-L1")
    assert valid_tracking_number(number) and number.startswith("XA") and number.endswith("CN")
    assert tracking_number_for("L1-E1-L1") == number != tracking_number_for("L1-E1-L2")


def test_a_registered_demand_notice_demands_the_overdue_amounts_by_kind_within_seven_days():
    case, history = mid_case()
    letter = case.letters.send(template="demand_notice", registered=True, by="li", business_date=MAY_21)
    [sent] = recorded(case, history, MAY_21)
    assert isinstance(sent, ev.LetterSent)
    assert (sent.letter_id, sent.tracking_number) == ("L1-E1-L1", tracking_number_for("L1-E1-L1"))
    assert (sent.amount_overdue, sent.penalty, sent.fees, sent.total_due) == (
        Decimal("1066.19"), Decimal("15.20"), Decimal("30.00"), Decimal("1111.39"))
    assert (sent.pay_by, sent.days_past_due, sent.collector) == (MAY_21 + timedelta(days=7), 31, "li")
    assert letter.status == "sent" and case.state.letters == [letter]
    assert decided(fold(history, episode_key=APRIL_20, rules=CaseRules())) == decided(case.state)


def test_the_letter_text_names_the_borrower_the_loan_the_amounts_the_date_to_pay_by_and_the_lender():
    case, history = mid_case()
    case.letters.send(template="demand_notice", registered=True, by="li", business_date=MAY_21)
    [sent] = recorded(case, history, MAY_21)
    lender = Lender(phone="400-000-0000")
    fields = letter_fields(sent, name="张伟", lender=lender)
    assert (fields["sent_on"], fields["pay_by"], fields["overdue_since"]) == ("2026年5月21日", "2026年5月28日",
                                                                             "2026年4月20日")
    title, paragraphs = letter_paragraphs(sent, name="张伟", lender=lender)
    text = "\n".join(paragraphs)
    assert title == "催收通知书"
    assert paragraphs[0] == "张伟：" and "{amounts}" in paragraphs
    assert "L1" in text and "逾期31天" in text and "2026年5月28日前" in text and "400-000-0000" in text
    assert "{" not in text.replace("{amounts}", "")  # every placeholder filled
    pre_title, pre = letter_paragraphs(sent.model_copy(update={"template": "pre_legal"}), name="张伟", lender=lender)
    assert pre_title == "诉前催告函" and any("11,000.00" in p and "未到期本金" in p for p in pre)
    assert letter_paragraphs(sent.model_copy(update={"template": "reminder"}), name="张伟", lender=lender)[0] \
        == "还款提醒函"


def test_an_unregistered_letter_has_no_tracking_number_and_bad_input_records_nothing():
    case, history = mid_case()
    case.letters.send(template="reminder", registered=False, by="li", business_date=MAY_21)
    assert case.state.letters[0].tracking_number is None
    recorded(case, history, MAY_21)
    refusals = [({"template": "final_demand", "registered": True}, "unknown_template"),
                ({"template": "reminder", "registered": False, "tracking_number": "XA123456785CN"},
                 "tracking_number_unregistered"),
                ({"template": "pre_legal", "registered": True, "tracking_number": "XA123456784CN"},
                 "invalid_tracking_number"),
                ({"template": "pre_legal", "registered": True, "address_point_id": "ap-1"}, "unknown_address_point")]
    for kw, code in refusals:
        with pytest.raises(InvalidCommand) as refused:
            case.letters.send(by="li", business_date=MAY_21, **kw)  # type: ignore[arg-type]
        assert refused.value.code == code
    assert case.pending.events == [] and len(case.state.letters) == 1


def test_a_delivered_demand_restarts_the_statute_and_a_delivered_reminder_does_not():
    case, history = mid_case()
    case.letters.send(template="reminder", registered=True, by="li", business_date=MAY_21)
    case.letters.send(template="demand_notice", registered=True, by="li", business_date=MAY_21)
    recorded(case, history, MAY_21)
    june_1 = date(2026, 6, 1)
    case.letters.delivered("L1-E1-L1", on=date(2026, 5, 25), by="li", business_date=june_1)
    assert [type(e) for e in recorded(case, history, june_1)] == [ev.LetterDelivered]
    assert case.state.statute_runs_from == APRIL_20
    case.letters.delivered("L1-E1-L2", on=date(2026, 5, 26), by="li", business_date=june_1)
    delivered, restarted = recorded(case, history, june_1)
    assert isinstance(delivered, ev.LetterDelivered) and delivered.documented_demand
    assert isinstance(restarted, ev.StatuteRestarted)
    assert (restarted.kind, restarted.on, restarted.expires_on) == ("demand", date(2026, 5, 26), date(2029, 5, 26))
    assert case.state.statute_runs_from == date(2026, 5, 26) and case.state.letters[1].status == "delivered"
    assert decided(fold(history, episode_key=APRIL_20, rules=CaseRules())) == decided(case.state)


def test_a_delivery_is_refused_in_the_future_before_sending_twice_after_a_return_or_unregistered():
    case, history = mid_case()
    case.letters.send(template="demand_notice", registered=True, by="li", business_date=MAY_21)
    case.letters.send(template="demand_notice", registered=False, by="li", business_date=MAY_21)
    case.letters.send(template="pre_legal", registered=True, by="li", business_date=MAY_21)
    recorded(case, history, MAY_21)
    june_1 = date(2026, 6, 1)
    for letter_id, on, refusal in [("L1-E1-L1", date(2026, 6, 2), "delivered_in_future"),
                                   ("L1-E1-L1", date(2026, 5, 20), "delivered_before_sent"),
                                   ("L1-E1-L2", date(2026, 5, 25), "letter_not_registered")]:
        with pytest.raises((InvalidCommand, CaseRuleViolation)) as refused:
            case.letters.delivered(letter_id, on=on, by="li", business_date=june_1)
        assert refused.value.code == refusal
    with pytest.raises(NotFound):
        case.letters.delivered("L1-E1-L9", on=MAY_21, by="li", business_date=june_1)
    case.letters.returned("L1-E1-L3", reason="查无此人", by="li", business_date=june_1)
    [returned] = recorded(case, history, june_1)
    assert isinstance(returned, ev.LetterReturned) and returned.reason == "查无此人"
    with pytest.raises(CaseRuleViolation) as refused:
        case.letters.delivered("L1-E1-L3", on=MAY_21, by="li", business_date=june_1)
    assert refused.value.code == "letter_returned"
    case.letters.delivered("L1-E1-L1", on=MAY_21, by="li", business_date=june_1)
    recorded(case, history, june_1)
    with pytest.raises(CaseRuleViolation) as refused:
        case.letters.returned("L1-E1-L1", reason=None, by="li", business_date=june_1)
    assert refused.value.code == "letter_delivered"
    assert decided(fold(history, episode_key=APRIL_20, rules=CaseRules())) == decided(case.state)


def test_a_delivery_does_not_revive_a_time_barred_debt_nor_letters_go_out_in_a_dispute():
    case, _ = mid_case()
    case.letters.send(template="demand_notice", registered=True, by="li", business_date=MAY_21)
    case.state.statute_expired = True  # as if collections.statute.expired had been applied
    case.letters.delivered("L1-E1-L1", on=MAY_21, by="li", business_date=MAY_21)
    assert [e.event_type for e in case.pending.events][-1] == "collections.letter.delivered"
    case.actions.open_dispute(dispute_id="d1", reason="not my loan", by="li")
    with pytest.raises(CaseRuleViolation) as refused:
        case.letters.send(template="reminder", registered=False, by="li", business_date=MAY_21)
    assert refused.value.code == "dispute_pause"


def test_the_policys_letter_is_a_real_letter_named_in_its_decision():
    """Entering mid-end: rule mid-registered-letter sends a registered 催收通知书 (not only a schedule)."""
    case = Case.open(case_id="L1-E1", loan_id="L1", episode=1, days_past_due=1, overdue_since=APRIL_20,
                     amount_overdue=Decimal("1066.19"), principal_outstanding=Decimal("11000.00"),
                     business_date=date(2026, 4, 21), rules=CaseRules())
    case.apply_policy(POLICY, date(2026, 4, 21))
    case.assign("li", by="routing", on=date(2026, 4, 21))
    history = [(e, date(2026, 4, 21)) for e in case.pending.events]
    case.pending.events = []
    case.close_day(MAY_21)  # 31 days past due: mid
    case.apply_policy(POLICY, MAY_21)
    events = recorded(case, history, MAY_21)
    [sent] = [e for e in events if isinstance(e, ev.LetterSent)]
    [decision] = [e for e in events if isinstance(e, ev.PolicyDecided) and e.rule_id == "mid-registered-letter"]
    assert (sent.template, sent.registered, sent.rule_id, sent.sent_by) == ("demand_notice", True,
                                                                            "mid-registered-letter", "policy")
    assert valid_tracking_number(sent.tracking_number or "")
    assert {"type": "send_letter", "template": "demand_notice", "registered": True,
            "letter_id": sent.letter_id} in decision.actions
    assert not [s for s in case.state.scheduled if s["channel"] == "letter"]  # sent, so nothing left to schedule
    assert decided(fold(history, episode_key=APRIL_20, rules=CaseRules())) == decided(case.state)


def test_a_letter_goes_to_the_borrowers_first_valid_address_and_its_return_marks_that_address_invalid():
    case, history = mid_case()
    home = ContactPoint(point_id="borrower-home", kind="address", relation="borrower", source="origination",
                        value="上海市静安区南京西路1号")
    found = ContactPoint(point_id="cp-1", kind="address", relation="borrower", source="trace",
                         value="上海市徐汇区漕溪北路8号")
    phone = ContactPoint(point_id="borrower-phone", kind="phone", relation="borrower", source="origination",
                         value="13900000000")
    letter = case.letters.send(template="demand_notice", registered=True, by="li", business_date=MAY_21,
                               points=[phone, home, found])
    [sent] = recorded(case, history, MAY_21)
    assert (letter.address_point_id, sent.address) == ("borrower-home", "上海市静安区南京西路1号")
    case.letters.returned(letter.letter_id, reason="迁出", by="li", business_date=MAY_21, points=[phone, home, found])
    returned, invalid = recorded(case, history, MAY_21)
    assert isinstance(returned, ev.LetterReturned) and returned.address_point_id == "borrower-home"
    assert isinstance(invalid, ev.ContactPointStatusChanged)
    assert (invalid.point_id, invalid.status, invalid.reason) == ("borrower-home", "invalid", "returned_letter")
    home_now = home.model_copy(update={"status": "invalid", "status_reason": "returned_letter"})
    with pytest.raises(CaseRuleViolation) as refused:
        case.letters.send(template="reminder", registered=False, by="li", business_date=MAY_21,
                          address_point_id="borrower-home", points=[home_now, found])
    assert refused.value.code == "address_invalid"
    for not_an_address in ("borrower-phone", "cp-9"):
        with pytest.raises(InvalidCommand) as unknown:
            case.letters.send(template="reminder", registered=False, by="li", business_date=MAY_21,
                              address_point_id=not_an_address, points=[phone, home_now, found])
        assert unknown.value.code == "unknown_address_point"
    second = case.letters.send(template="reminder", registered=False, by="li", business_date=MAY_21,
                               points=[phone, home_now, found])
    assert second.address_point_id == "cp-1"  # the home address came back: the address tracing found
    recorded(case, history, MAY_21)
    assert decided(fold(history, episode_key=APRIL_20, rules=CaseRules())) == decided(case.state)


def test_the_policys_letter_goes_to_a_valid_address_and_is_not_sent_without_one():
    """The policy chooses an address as a collector's letter does (none named): the borrower's first
    address not known invalid; with none, the decision records the letter skipped and nothing is sent."""
    home = ContactPoint(point_id="borrower-home", kind="address", relation="borrower", source="origination",
                        value="上海市静安区南京西路1号", status="invalid", status_reason="moved")
    work = ContactPoint(point_id="borrower-work", kind="address", relation="borrower", source="origination",
                        value="上海市徐汇区漕溪北路88号")
    employer_address = ContactPoint(point_id="employer-address", kind="address", relation="work",
                                    source="origination", value="上海市徐汇区漕溪北路88号")

    def entering_mid(points: list[ContactPoint]) -> tuple[Case, list[ev.EventData], list[tuple[ev.EventData, date]]]:
        case = Case.open(case_id="L1-E1", loan_id="L1", episode=1, days_past_due=30, overdue_since=APRIL_20,
                         amount_overdue=Decimal("1066.19"), principal_outstanding=Decimal("11000.00"),
                         business_date=date(2026, 5, 20), rules=CaseRules())
        case.apply_policy(POLICY, date(2026, 5, 20), points)
        case.assign("li", by="routing", on=date(2026, 5, 20))
        history: list[tuple[ev.EventData, date]] = []
        recorded(case, history, date(2026, 5, 20))
        case.close_day(MAY_21)  # 31 days past due: mid-registered-letter
        case.apply_policy(POLICY, MAY_21, points)
        return case, recorded(case, history, MAY_21), history

    case, events, history = entering_mid([home, work, employer_address])
    [sent] = [e for e in events if isinstance(e, ev.LetterSent)]
    assert (sent.address_point_id, sent.address, sent.rule_id) == ("borrower-work", "上海市徐汇区漕溪北路88号",
                                                                     "mid-registered-letter")
    assert decided(fold(history, episode_key=APRIL_20, rules=CaseRules())) == decided(case.state)

    work_gone = work.model_copy(update={"status": "invalid", "status_reason": "returned_letter"})
    for points in ([home, work_gone, employer_address], []):  # the employer's address is not the borrower's
        case, events, history = entering_mid(points)
        assert not [e for e in events if isinstance(e, ev.LetterSent)] and case.state.letters == []
        [decision] = [e for e in events if isinstance(e, ev.PolicyDecided) and e.rule_id == "mid-registered-letter"]
        assert {"type": "send_letter", "template": "demand_notice", "registered": True,
                "skipped": "no_valid_address"} in decision.actions
        assert {"type": "schedule_contact", "channel": "phone", "in_days": 0} in decision.actions  # the rest done
        assert decided(fold(history, episode_key=APRIL_20, rules=CaseRules())) == decided(case.state)


def test_the_letter_shows_overdue_principal_and_interest_apart_when_servicing_gave_the_split():
    """loan.payment.missed carries principal_overdue: the letter's table has 逾期本金 and 逾期利息 lines
    (and 罚息, 费用 as before); a payment's principal and interest come off each; without the split, one line."""
    case = Case.open(case_id="L1-E1", loan_id="L1", episode=1, days_past_due=31, overdue_since=APRIL_20,
                     amount_overdue=Decimal("1066.19"), principal_outstanding=Decimal("11000.00"),
                     business_date=MAY_21, rules=CaseRules(), principal_overdue=Decimal("956.19"))
    case.observe_charge("penalty_interest", Decimal("15.20"))
    case.observe_charge("failed_debit_fee", Decimal("30.00"))
    case.assign("li", by="routing", on=MAY_21)
    history: list[tuple[ev.EventData, date]] = []
    recorded(case, history, MAY_21)
    case.letters.send(template="demand_notice", registered=True, by="li", business_date=MAY_21)
    [sent] = recorded(case, history, MAY_21)
    assert isinstance(sent, ev.LetterSent)
    assert (sent.principal_overdue, sent.interest_overdue, sent.amount_overdue, sent.total_due) == (
        Decimal("956.19"), Decimal("110.00"), Decimal("1066.19"), Decimal("1111.39"))
    assert amount_rows(sent) == [("逾期本金", "956.19"), ("逾期利息", "110.00"), ("罚息", "15.20"),
                                 ("费用", "30.00"), ("合计应还", "1,111.39")]
    case.observe_payment(payment_id="p1", amount=Decimal("300.00"), paid_on=MAY_21, loan_status="overdue",
                         days_past_due=31, overdue_since=APRIL_20, amount_overdue=Decimal("766.19"),
                         paid_by_kind={"interest": Decimal("110.00"), "principal": Decimal("190.00")})
    recorded(case, history, MAY_21)
    case.letters.send(template="reminder", registered=False, by="li", business_date=MAY_21)
    [after] = recorded(case, history, MAY_21)
    assert isinstance(after, ev.LetterSent)
    assert (after.principal_overdue, after.interest_overdue) == (Decimal("766.19"), Decimal("0.00"))
    assert decided(fold(history, episode_key=APRIL_20, rules=CaseRules())) == decided(case.state)
    unsplit, _ = mid_case()  # servicing gave no principal_overdue
    unsplit.letters.send(template="reminder", registered=False, by="li", business_date=MAY_21)
    [one] = [e for e in unsplit.pending.events if isinstance(e, ev.LetterSent)]
    assert (one.principal_overdue, one.interest_overdue) == (None, None)
    assert amount_rows(one)[0] == ("逾期本息", "1,066.19")
