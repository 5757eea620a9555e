"""Issue 15's agencies and commission, as collections publishes them, July–December 2026.

- collector-f1 is the notes' collector (seed line 17: "20xx年7月份至20xx年12月份,总回收金额466254.5元,为公司
  创造佣金62059.5元"): a front-end collector who supported mid-end in July–August (the same notes: "七八月份前排
  部分催收员整组转岗中排支援"). Recoveries on mid-end case C31 in July–August, 203,632.00 at 15%, and on
  front-end case C32 in September–December, 262,622.50 at 12% (the default rates): 466,254.50 recovered,
  30,544.80 + 31,514.70 = 62,059.50 commission, each rounded half-up per recovery by collections. The first
  July recovery is published as a v1 event (before channels): the upcaster makes it the collector's.
- C33 is placed with 华信资产 on 1 Sep (fee 25%, 8,000.00 placed, recall 30 Nov), recovers 1,000.50 (fee 250.13)
  on 15 Oct and is recalled automatically on 1 Dec; C34 is placed with 华信资产 on 1 Dec (2,000.00, still placed).
  C35 is placed with 诚信催收 on 1 Aug (fee 30%, 5,000.00) and recalled by hand on 31 Aug after recovering
  1,500.00 (fee 450.00) on 20 Aug.
- legal-1 recovers 2,000.00 on C36 in legal proceedings in November (5%: 100.00).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from shared.contracts import collections as c
from tests.reporting.story import Story

D = date
NOTES_COLLECTOR = [  # (month, stage, amounts): the same split as tests/collections/test_placements.py
    ((2026, 7), "mid", ["35210.00", "28644.00", "41307.00", "12875.00"]),
    ((2026, 8), "mid", ["30118.00", "26973.00", "28505.00"]),
    ((2026, 9), "front", ["18640.50", "22381.00", "9875.50", "15330.00"]),
    ((2026, 10), "front", ["31206.00", "27418.50", "12090.00"]),
    ((2026, 11), "front", ["24755.00", "19863.50", "30412.00"]),
    ((2026, 12), "front", ["26901.50", "23749.00"]),
]
RATES = {"front": Decimal("0.12"), "mid": Decimal("0.15")}


def _recovery(
    st: Story,
    case: str,
    day: date,
    n: int,
    amount: str,
    *,
    stage: str,
    channel: str = "collector",
    collector: str | None = None,
    commission: str = "0.00",
    agency: str | None = None,
    placement: str | None = None,
    fee: str = "0.00",
    v1: bool = False,
) -> None:
    loan = "L" + case[1:]
    data = c.RecoveryAttributed(
        case_id=case,
        loan_id=loan,
        payment_id=f"pay-{case}-{n}",
        collector=collector,
        amount=Decimal(amount),
        commission=Decimal(commission),
        stage=stage,  # type: ignore[arg-type]
        channel=channel,
        agency=agency,
        placement_id=placement,  # type: ignore[arg-type]
        agency_fee=Decimal(fee),
    )
    event = st.case(data, loan, day)
    if v1:  # as collections published it before v2: no channel, agency, placement or fee
        old = {k: v for k, v in event.data.items() if k not in ("channel", "agency", "placement_id", "agency_fee")}
        st.events[-1] = (st.events[-1][0], event.model_copy(update={"data": old, "dataschemaversion": 1}))


def _placed(st: Story, case: str, day: date, agency: str, rate: str, balance: str, recall_on: date) -> None:
    loan = "L" + case[1:]
    st.case(
        c.PlacementMade(
            case_id=case,
            loan_id=loan,
            placement_id=f"{case}-P1",
            agency=agency,
            fee_rate=Decimal(rate),
            placed_on=day,
            recall_on=recall_on,
            placed_balance=Decimal(balance),
            placed_by="chen",
        ),
        loan,
        day,
    )


def _recalled(st: Story, case: str, day: date, agency: str, reason: str, recovered: str, fees: str) -> None:
    loan = "L" + case[1:]
    st.case(
        c.PlacementRecalled(
            case_id=case,
            loan_id=loan,
            placement_id=f"{case}-P1",
            agency=agency,
            recalled_on=day,
            reason=reason,
            recalled_by="system",  # type: ignore[arg-type]
            recovered=Decimal(recovered),
            agency_fees=Decimal(fees),
        ),
        loan,
        day,
    )


def agency_story(st: Story | None = None) -> Story:
    st = st or Story()
    n = 0
    for (year, month), stage, amounts in NOTES_COLLECTOR:
        case = "C31" if stage == "mid" else "C32"
        for i, amount in enumerate(amounts):
            n += 1
            commission = (Decimal(amount) * RATES[stage]).quantize(Decimal("0.01"))
            _recovery(
                st,
                case,
                D(year, month, 3 + 7 * i),
                n,
                amount,
                stage=stage,
                collector="collector-f1",
                commission=str(commission),
                v1=n == 1,
            )
    _placed(st, "C35", D(2026, 8, 1), "诚信催收", "0.30", "5000.00", D(2026, 10, 31))
    _recovery(
        st,
        "C35",
        D(2026, 8, 20),
        1,
        "1500.00",
        stage="back",
        channel="agency",
        agency="诚信催收",
        placement="C35-P1",
        fee="450.00",
    )
    _recalled(st, "C35", D(2026, 8, 31), "诚信催收", "requested", "1500.00", "450.00")
    _placed(st, "C33", D(2026, 9, 1), "华信资产", "0.25", "8000.00", D(2026, 11, 30))
    _recovery(
        st,
        "C33",
        D(2026, 10, 15),
        1,
        "1000.50",
        stage="back",
        channel="agency",
        agency="华信资产",
        placement="C33-P1",
        fee="250.13",
    )
    _recalled(st, "C33", D(2026, 12, 1), "华信资产", "recall_date", "1000.50", "250.13")
    _placed(st, "C34", D(2026, 12, 1), "华信资产", "0.25", "2000.00", D(2027, 2, 28))
    _recovery(
        st,
        "C36",
        D(2026, 11, 10),
        1,
        "2000.00",
        stage="back",
        channel="legal",
        collector="legal-1",
        commission="100.00",
    )
    return st
