"""Report arithmetic and projections without I/O: buckets, NPL, concentration, causal order, upcasting."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from services.reporting.domain.book import LoanAsOf, days_past_due, dpd_bucket, npl, previous_month_end, ratio
from services.reporting.domain.masking import mask_data
from services.reporting.domain.portfolio import concentration
from services.reporting.domain.projection import project
from services.reporting.domain.timeline import LoggedEvent, causal_order
from shared.contracts import CloudEvent, registry
from shared.contracts import origination as o
from tests.reporting.story import scripted_portfolio


def loan(loan_id: str, outstanding: str, dpd: int = 0, status: str | None = None, borrower: str | None = None):
    return LoanAsOf(loan_id=loan_id, product="credit", principal=Decimal(outstanding),
                    disbursement_date=date(2026, 1, 10), borrower_key=borrower or loan_id, borrower_label=loan_id,
                    region=None, status=status or ("overdue" if dpd else "current"), outstanding=Decimal(outstanding),
                    days_past_due=dpd)


def test_dpd_buckets_have_the_contracts_boundaries():
    assert [dpd_bucket(d) for d in (0, 1, 30, 31, 60, 61, 90, 91, 180, 181, 900)] == [
        "current", "1-30", "1-30", "31-60", "31-60", "61-90", "61-90", "91-180", "91-180", "180+", "180+"]


@given(st.integers(min_value=0, max_value=2000), st.integers(min_value=0, max_value=2000))
def test_a_loan_later_overdue_is_never_in_an_earlier_bucket(a, b):
    order = ["current", "1-30", "31-60", "61-90", "91-180", "180+"]
    assert (order.index(dpd_bucket(a)) <= order.index(dpd_bucket(b))) == (dpd_bucket(a) == dpd_bucket(b) or a < b)


def test_days_past_due_run_on_from_the_anchor_only_while_overdue():
    anchor = date(2026, 2, 20)
    assert days_past_due("overdue", anchor, date(2026, 5, 25)) == 94
    assert days_past_due("current", anchor, date(2026, 5, 25)) == 0
    assert days_past_due("paid_off", None, date(2026, 5, 25)) == 0


def test_the_npl_ratio_of_the_field_notes_report():
    # DOMAIN.md §4: 3,463,100 of 83,720,000 is 4.14%
    book = [loan("bad", "3463100.00", dpd=120), loan("good", str(Decimal("83720000.00") - Decimal("3463100.00")))]
    assert npl(book, 90) == (Decimal("3463100.00"), Decimal("0.0414"))


def test_a_ten_loan_book_with_two_loans_past_90_days():
    book = [loan(f"L{i}", "10000.00") for i in range(8)] + [loan("L8", "10000.00", dpd=91),
                                                            loan("L9", "10000.00", dpd=200)]
    assert npl(book, 90) == (Decimal("20000.00"), Decimal("0.2000"))
    assert npl(book, 180) == (Decimal("10000.00"), Decimal("0.1000"))
    # paid-off and written-off loans are outside the book
    assert npl([*book, loan("W", "0.00", status="written_off")], 90)[1] == Decimal("0.2000")


def test_concentration_counts_borrowers_not_loans():
    book = [loan("a1", "500.00", borrower="A"), loan("a2", "500.00", borrower="A"), loan("b", "700.00"),
            loan("c", "300.00")]
    top = concentration(book, Decimal("2000.00"), top_n=2)
    assert top["top_outstanding"] == Decimal("1700.00") and top["share"] == Decimal("0.8500")
    assert [b["outstanding"] for b in top["borrowers"]] == [Decimal("1000.00"), Decimal("700.00")]


def test_ratios_and_month_ends():
    assert ratio(1, 3) == Decimal("0.3333") and ratio(2, 3) == Decimal("0.6667") and ratio(1, 0) is None
    assert previous_month_end(date(2026, 3, 5)) == date(2026, 2, 28)
    assert previous_month_end(date(2026, 1, 31)) == date(2025, 12, 31)


def test_personal_data_is_masked_before_it_is_stored():
    data = {"borrower": {"name": "张三丰", "phone": "13812345678", "id_number": "110101199003071234"},
            "note": "called 13987654321 about 110101199003071234"}
    masked = mask_data(data)
    assert masked["borrower"] == {"name": "张**", "phone": "138****5678", "id_number": "110101********1234"}
    assert "13987654321" not in masked["note"] and "199003071234" not in masked["note"]


def _logged(e: CloudEvent) -> LoggedEvent:
    return LoggedEvent(e.id, e.type, e.source, e.subject, e.sequence, e.businessdate, e.time, e.causationid,
                       e.correlationid, "x", e.data)


@given(st.randoms(use_true_random=False))
def test_causal_order_is_the_same_whatever_the_delivery_order(rnd):
    events = [_logged(e) for _, e in scripted_portfolio().events if e.subject in ("L08", "A-L01", "L01")]
    # a caused event stamped a little before its cause (another service's clock) still follows it
    events = [e if e.type != "collections.case.opened" else
              LoggedEvent(**{**e.__dict__, "time": e.time - timedelta(hours=1)}) for e in events]
    expected = causal_order(events)
    shuffled = list(events)
    rnd.shuffle(shuffled)
    ordered = causal_order(shuffled)
    assert [e.event_id for e in ordered] == [e.event_id for e in expected]
    position = {e.event_id: i for i, e in enumerate(ordered)}
    for e in ordered:
        if e.causationid in position:
            assert position[e.causationid] < position[e.event_id]


def test_projections_upcast_old_event_versions(monkeypatch):
    # Suppose loan.disbursed v2 renamed v1's `amount` to `principal`: a v1 record still projects.
    monkeypatch.setattr(o.LoanDisbursed, "class_version", 2)
    monkeypatch.setitem(registry._UPCASTERS, ("loan.disbursed", 1),
                        lambda d: {**{k: v for k, v in d.items() if k != "amount"}, "principal": d["amount"]})
    current = next(e for _, e in scripted_portfolio().events if e.type == "loan.disbursed")
    old_data = {**{k: v for k, v in current.data.items() if k != "principal"}, "amount": "7000.00",
                "a_field_from_the_future": 1}
    old = current.model_copy(update={"data": old_data, "dataschemaversion": 1})
    rows = project(old)
    assert rows.tables["loans"][0][3] == Decimal("7000.00")


def test_unknown_event_types_still_reach_the_timeline():
    unknown = CloudEvent(source="collections", type="collections.something.new", subject="L01",
                         data={"loan_id": "L01", "case_id": "C1", "phone": "13812345678"}, correlationid="c",
                         businessdate=date(2026, 5, 1), time=datetime(2026, 5, 1, tzinfo=UTC))
    rows = project(unknown)
    assert rows.count() == 1
    event_row = rows.tables["events"][0]
    assert event_row[1] == "L01" and event_row[-1]["phone"] == "138****5678"


def test_cure_rate_counts_a_case_in_every_stage_it_was_worked_in_during_the_period():
    from services.reporting.domain.collections import CaseHistory, cure_rates

    d = date
    escalated = CaseHistory("C1", "L1", [(d(2026, 2, 21), "front"), (d(2026, 3, 23), "mid")])
    cured_in_mid = CaseHistory("C2", "L2", [(d(2026, 2, 21), "front"), (d(2026, 3, 23), "mid")],
                               resolved_on=d(2026, 4, 2), resolution="cured")
    written_off = CaseHistory("C3", "L3", [(d(2026, 1, 5), "back")], resolved_on=d(2026, 4, 3),
                              resolution="written_off")
    april = cure_rates([escalated, cured_in_mid, written_off], d(2026, 4, 1), d(2026, 4, 30))
    assert april == {"front": {"worked": 0, "cured": 0, "rate": None},
                     "mid": {"worked": 2, "cured": 1, "rate": Decimal("0.5000")},
                     "back": {"worked": 1, "cured": 0, "rate": Decimal("0.0000")}}
    february = cure_rates([escalated, cured_in_mid, written_off], d(2026, 2, 1), d(2026, 2, 28))
    assert february["front"]["worked"] == 2 and february["mid"]["worked"] == 0


def test_stage_roll_counts_the_cases_that_moved_to_a_later_stage_within_the_period():
    """Two cases escalate front -> mid on 23 March, one mid -> back on 22 May; one is cured in front."""
    from services.reporting.domain.collections import CaseHistory, collections_report, stage_rolls

    d = date
    c1 = CaseHistory("C1", "L1", [(d(2026, 2, 21), "front"), (d(2026, 3, 23), "mid"), (d(2026, 5, 22), "back")])
    c2 = CaseHistory("C2", "L2", [(d(2026, 2, 21), "front"), (d(2026, 3, 23), "mid")])
    c3 = CaseHistory("C3", "L3", [(d(2026, 3, 1), "front")], resolved_on=d(2026, 4, 5), resolution="cured")
    cases = [c1, c2, c3]
    assert stage_rolls(cases, d(2026, 2, 1), d(2026, 5, 31)) == {
        "front": {"worked": 3, "rolled": 2, "to": "mid", "rate": Decimal("0.6667")},
        "mid": {"worked": 2, "rolled": 1, "to": "back", "rate": Decimal("0.5000")}}
    # in April nobody rolled: the March roll is before the period, the May one after it
    april = stage_rolls(cases, d(2026, 4, 1), d(2026, 4, 30))
    assert (april["front"]["worked"], april["front"]["rolled"]) == (1, 0)
    assert (april["mid"]["worked"], april["mid"]["rolled"], april["mid"]["rate"]) == (2, 0, Decimal("0.0000"))
    report = collections_report(d(2026, 5, 1), d(2026, 5, 31), [], cases, {}, {})
    assert report["stage_roll"]["mid"] == {"worked": 2, "rolled": 1, "to": "back", "rate": Decimal("0.5000")}
    assert report["stage_roll"]["front"]["rate"] is None


def unknown_signed(report):
    return report["regions"]["unknown"]["notices_signed"]


def test_village_round_ups_count_households_notices_promises_and_time_barred_cases():
    from services.reporting.domain.collections import Activity, collections_report

    acts = [Activity("L1", "contact", "wang", "letter", "notice_signed"),
            Activity("L2", "contact", "wang", "visit", "notice_signed"),
            Activity("L4", "contact", "wang", "letter", "sent"), Activity("L2", "contact", "wang", "letter", "sent"),
            Activity("L2", "promise", "wang", outcome="made"), Activity("L2", "promise", "wang", outcome="kept"),
            Activity("L3", "recovery", "li", amount=Decimal("120.50"), commission=Decimal("12.05")),
            Activity("L3", "complaint", None), Activity("L3", "time_barred", None),
            Activity("L3", "contact", "li", "visit", "dispute over fees")]
    report = collections_report(date(2026, 5, 1), date(2026, 5, 31), acts, [],
                                regions={"L1": "Xiaohe village", "L2": "Xiaohe village", "L3": None,
                                         "L4": "Xiaohe village"},
                                households={"L1": "B1", "L2": "B1", "L3": "B3", "L4": "B4"}, group_by="region")
    assert report["complaints"] == 2 and report["time_barred_cases"] == 1
    assert report["collectors"]["unassigned"]["complaints"] == 1
    assert report["collectors"]["li"]["recovered"] == Decimal("120.50")
    village, unknown = report["regions"]["Xiaohe village"], report["regions"]["unknown"]
    # households B1 (two loans, signed twice) and B4 (letter sent, not signed back)
    assert village["households"] == 2 and village["activity"]["letters"] == 3 and village["activity"]["visits"] == 1
    assert village["notices_signed"] == 1 and report["notices_signed"] == 1 and unknown_signed(report) == 0
    assert village["promises"] == {"made": 1, "kept": 1, "broken": 0}
    assert village["promise_kept_rate"] == Decimal("1.0000")
    assert unknown["recovered"] == Decimal("120.50") and unknown["time_barred_cases"] == 1
