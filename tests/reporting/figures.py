"""The story's figures, worked out by hand from story.py (each number says where it comes from)."""

from __future__ import annotations

from typing import Any


def assert_story_figures(r: dict[str, Any]) -> None:
    """Every figure of every report of the scripted portfolio."""
    _portfolio(r)
    _loan_book(r)
    _delinquency(r)
    _collections(r)
    _timelines(r)


def _portfolio(r: dict[str, Any]) -> None:
    jan = r["portfolio_jan31"]
    # 12 loans: ten of 10,000 + 5,000 + 3,000; nothing due or paid yet.
    assert jan["loans_disbursed"] == {"count": 12, "amount": "108000.00"}
    assert jan["active_loans"] == 12
    assert jan["outstanding_principal"] == "108000.00"
    assert jan["interest_received"] == "0.00"
    assert jan["matured"] == {"due": "0.00", "collected": "0.00", "collection_rate": None}

    mar = r["portfolio_mar20"]
    # L07 paid off on 20 March; L08's miss is only known on 21 March.
    assert mar["active_loans"] == 11
    assert mar["outstanding_principal"] == "98000.00"
    # L01–L06 2×100, L07 2×100, L08 100, L11 2×50, L12 2×30
    assert mar["interest_received"] == "1660.00"
    # due: 9 loans × 2 × 100 (L01–L06, L08–L10) + L07 2×100 + L11 2×50 + L12 2×30 = 2160; L08 inst 2 and
    # L09/L10 insts 1–2 unpaid (500)
    assert mar["matured"] == {"due": "2160.00", "collected": "1660.00", "collection_rate": "0.7685"}
    assert mar["interest_receivable"] == "500.00"

    may = r["portfolio_may25"]
    assert may["as_of"] == "2026-05-25"
    assert may["loans_disbursed"] == {"count": 12, "amount": "108000.00"}
    assert may["active_loans"] == 11 and may["active_borrowers"] == 11
    assert may["outstanding_principal"] == "98000.00"
    # L01–L06 6×400, L07 200, L08 400, L11 200, L12 120
    assert may["interest_received"] == "3320.00"
    # L09 and L10 owe four installments of 100 each
    assert may["interest_receivable"] == "800.00"
    # still on the schedules of the active loans (six installments each): L01–L06 and L08 2×100 each,
    # L09 and L10 6×100 each, L11 2×50, L12 2×30
    assert may["interest_scheduled_unreceived"] == "2760.00"
    # due: L01–L06, L08–L10 9×400 + L07 200 (installments after its payoff are not due) + L11 200 + L12 120
    assert may["matured"] == {"due": "4120.00", "collected": "3320.00", "collection_rate": "0.8058"}
    # top 10 of the 11 active borrowers: all but L12's 3,000 -> 95,000 / 98,000
    top = may["concentration"]
    assert top["top_outstanding"] == "95000.00" and top["share"] == "0.9694"
    assert len(top["borrowers"]) == 10
    assert top["borrowers"][-1] == {"borrower": "借**** 110101********0011", "outstanding": "5000.00",
                                    "share": "0.0510"}
    assert may["by_product"]["mortgage"] == {"disbursed_count": 1, "disbursed_amount": "10000.00",
                                             "active_loans": 1, "outstanding_principal": "10000.00"}


def _loan_book(r: dict[str, Any]) -> None:
    book = {row["loan_id"]: row for row in r["loan_book_may25"]["items"]}
    assert len(book) == 12 and r["loan_book_may25"]["next_cursor"] is None
    assert book["L09"] == {"loan_id": "L09", "borrower": "借**** 110101********0009", "region": "Xiaohe village",
                           "product": "credit", "principal": "10000.00", "disbursement_date": "2026-01-10",
                           "status": "overdue", "outstanding_principal": "10000.00", "days_past_due": 94,
                           "bucket": "91-180", "stage": "back"}
    assert book["L07"]["status"] == "paid_off" and book["L07"]["outstanding_principal"] == "0.00"
    assert book["L08"]["status"] == "current" and book["L08"]["stage"] == "none"
    # L12's borrower carries no region: its application's applicant does
    assert book["L12"]["region"] == "Dongshan town"


def _delinquency(r: dict[str, Any]) -> None:
    d = r["delinquency_may25"]
    # L09/L10 overdue since 20 Feb: 8 + 31 + 30 + 25 = 94 DPD on 25 May
    assert d["by_bucket"] == {
        "current": {"count": 9, "balance": "78000.00"}, "1-30": {"count": 0, "balance": "0.00"},
        "31-60": {"count": 0, "balance": "0.00"}, "61-90": {"count": 0, "balance": "0.00"},
        "91-180": {"count": 2, "balance": "20000.00"}, "180+": {"count": 0, "balance": "0.00"}}
    assert d["by_stage"] == {"front": {"count": 0, "balance": "0.00"}, "mid": {"count": 1, "balance": "10000.00"},
                             "back": {"count": 1, "balance": "10000.00"}, "none": {"count": 9, "balance": "78000.00"}}
    # two 90+ loans in an 11-loan book of 98,000: 20,000 / 98,000
    assert d["npl"] == {"balance": "20000.00", "ratio": "0.2041"}
    # 30 April: 69 DPD, not yet non-performing
    assert d["previous_month_end"] == {"date": "2026-04-30", "outstanding_principal": "98000.00",
                                       "npl": {"balance": "0.00", "ratio": "0.0000"}}
    assert d["change"] == {"npl_balance": "20000.00", "npl_ratio": "0.2041"}
    rolls = d["roll_rates"]
    assert rolls["61-90"]["count"] == 2 and rolls["61-90"]["to"]["91-180"] == 2
    assert rolls["61-90"]["roll_forward_rate"] == "1.0000" and rolls["61-90"]["cure_rate"] == "0.0000"
    assert rolls["current"]["count"] == 9 and rolls["current"]["to"]["current"] == 9
    assert rolls["current"]["roll_forward_rate"] == "0.0000"

    sixty = r["delinquency_may25_60"]
    # threshold 60: already non-performing at the end of April (69 DPD)
    assert sixty["npl_dpd_threshold"] == 60
    assert sixty["previous_month_end"]["npl"] == {"balance": "20000.00", "ratio": "0.2041"}
    assert sixty["change"] == {"npl_balance": "0.00", "npl_ratio": "0.0000"}

    apr = r["delinquency_apr20"]
    # 20 April: L09/L10 at 59 DPD; L08 cured on 5 April; 31 March: L08 at 11 DPD, L09/L10 at 39
    assert apr["by_bucket"]["31-60"] == {"count": 2, "balance": "20000.00"}
    assert apr["by_stage"]["mid"] == {"count": 2, "balance": "20000.00"}
    assert apr["npl"] == {"balance": "0.00", "ratio": "0.0000"}
    assert apr["roll_rates"]["1-30"]["count"] == 1 and apr["roll_rates"]["1-30"]["cure_rate"] == "1.0000"
    assert apr["roll_rates"]["31-60"]["to"]["31-60"] == 2


def _collections(r: dict[str, Any]) -> None:
    c = r["collections_feb_may"]
    assert c["recovered"] == "100.00" and c["commission"] == "10.00"
    # PR1 kept; PR2 and PR3 broken
    assert c["promises"] == {"made": 3, "kept": 1, "broken": 2}
    assert c["promise_kept_rate"] == "0.3333"
    assert c["activity"] == {"calls": 4, "letters": 1, "visits": 1, "sms": 0}
    assert c["complaints"] == 1
    # front: C08, C09, C10 worked, C08 cured; mid: C09, C10; back: C09
    assert c["cure_rate"] == {"front": {"worked": 3, "cured": 1, "rate": "0.3333"},
                              "mid": {"worked": 2, "cured": 0, "rate": "0.0000"},
                              "back": {"worked": 1, "cured": 0, "rate": "0.0000"}}
    # roll between stages: C09 and C10 front -> mid on 23 March, C09 mid -> back on 22 May
    assert c["stage_roll"] == {"front": {"worked": 3, "rolled": 2, "to": "mid", "rate": "0.6667"},
                               "mid": {"worked": 2, "rolled": 1, "to": "back", "rate": "0.5000"}}
    assert c["collectors"]["zhao"] == {"recovered": "100.00", "commission": "10.00", "calls": 1, "letters": 0,
                                       "visits": 0, "sms": 0, "valid_visits": 0, "visit_target": 25,
                                       "promises": {"made": 1, "kept": 1, "broken": 0},
                                       "complaints": 0, "qa_reviewed": 0, "qa_findings": 0,
                                       "commission_by_month": {"2026-04": "10.00"},
                                       "department_share": "7.00"}
    assert c["commission_by_month"] == {"2026-04": {"recovered": "100.00", "commission": "10.00"}}
    assert c["agencies"] == {}  # no placements in this story
    assert c["collectors"]["wang"]["calls"] == 3 and c["collectors"]["wang"]["letters"] == 1
    assert c["collectors"]["wang"]["promises"] == {"made": 2, "kept": 0, "broken": 2}
    assert c["collectors"]["wang"]["complaints"] == 1 and c["collectors"]["wang"]["recovered"] == "0.00"
    assert c["collectors"]["li"]["visits"] == 1

    may = r["collections_may"]
    assert may["activity"] == {"calls": 0, "letters": 0, "visits": 1, "sms": 0}
    assert may["recovered"] == "0.00" and may["promise_kept_rate"] is None
    assert may["cure_rate"]["front"] == {"worked": 0, "cured": 0, "rate": None}
    assert may["cure_rate"]["mid"]["worked"] == 2 and may["cure_rate"]["back"]["worked"] == 1
    assert may["stage_roll"]["front"]["worked"] == 0 and may["stage_roll"]["mid"]["rolled"] == 1

    regions = r["collections_regions"]["regions"]
    assert set(regions) == {"Xiaohe village", "Dongshan town"}
    village, town = regions["Xiaohe village"], regions["Dongshan town"]
    # the village: L09 only (a call, a letter, a visit); the town: L08 and L10
    assert village["households"] == 1 and village["activity"] == {"calls": 1, "letters": 1, "visits": 1, "sms": 0}
    assert town["households"] == 2 and town["recovered"] == "100.00" and town["activity"]["calls"] == 3
    assert town["promises"] == {"made": 3, "kept": 1, "broken": 2} and town["complaints"] == 1


def _timelines(r: dict[str, Any]) -> None:
    l01 = [item["type"] for item in r["timeline_l01"]["items"]]
    assert l01[:6] == ["loan.application.submitted", "loan.application.reviewed", "loan.application.reviewed",
                       "loan.application.reviewed", "loan.application.approved", "loan.disbursed"]
    assert l01[6] == "loan.schedule.created" and len(l01) == 11  # + four interest payments
    first = r["timeline_l01"]["items"][0]
    assert first["actor"] == "cm-zhang"
    assert first["data"]["applicant"]["name"] == "王**" and first["data"]["applicant"]["phone"] == "138****1234"
    l08 = r["timeline_l08"]["items"]
    seen: set[str] = set()
    for item in l08:
        if item["caused_by"] and item["caused_by"]["event_id"] in {i["event_id"] for i in l08}:
            assert item["caused_by"]["event_id"] in seen, f"{item['type']} before its cause"
        seen.add(item["event_id"])
    by_type = {item["type"]: item for item in l08}
    assert by_type["collections.case.opened"]["caused_by"]["type"] == "loan.payment.missed"
    assert by_type["collections.case.opened"]["actor"] == "system:collections"
    assert by_type["collections.case.assigned"]["actor"] == "sup-ma"
    assert by_type["collections.recovery.attributed"]["caused_by"]["type"] == "loan.payment.received"
    assert by_type["loan.payment.received"]["actor"] == "partner:bank-a"
    assert "13812345678" not in str(l08)
