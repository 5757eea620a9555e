"""A loan written off on 25 April and partly recovered on 21 May leaves the book but not the record."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from loanflow.testing import bearer, eventually, running
from services.reporting.bootstrap import create_app
from services.reporting.config import ReportingSettings
from shared.contracts import collections as c
from shared.contracts import servicing as s
from tests.reporting.helpers import READER, handled, publish
from tests.reporting.story import DUE, Story

pytestmark = pytest.mark.integration


def written_off_story() -> Story:
    """L01 pays every installment; L02 pays the first, misses 20 March, is written off, then recovers 500."""
    st = Story()
    for loan in ("L01", "L02"):
        st.disburse(loan)
    for number in (1, 2, 3, 4):
        st.pay_interest("L01", number, DUE[number - 1])
    st.pay_interest("L02", 1, DUE[0])
    st.miss("L02", 2, date(2026, 3, 21), 1, DUE[1])
    st.emit("servicing", s.LoanWrittenOff(loan_id="L02", written_off_on=date(2026, 4, 25), principal=Decimal("10000"),
                                          interest=Decimal("200.00"), charges=Decimal("0.00"), case_id="C02",
                                          decided_by="legal-he"), subject="L02", day=date(2026, 4, 25))
    paid = st.pay("L02", date(2026, 5, 21), [(None, "principal", Decimal("500.00"))],
                  outstanding=Decimal("9500.00"), status="written_off")
    st.case(c.RecoveryAttributed(case_id="C02", loan_id="L02", payment_id="P-L02-2026-05-21", collector="he",
                                 amount=Decimal("500.00"), commission=Decimal("25.00"), stage="back"),
            "L02", date(2026, 5, 21), cause=paid)
    return st


async def test_a_written_off_loan_leaves_the_book_and_its_later_installments_are_not_due(platform, _drop_platform_dbs):
    story = written_off_story()
    app = create_app(ReportingSettings(), platform)
    async with running(app) as client:
        await publish(platform, story.events)
        await eventually(lambda: _all_handled(app, len(story.events)), timeout=60)
        headers = bearer(app, *READER)

        before = (await client.get("/v1/reports/delinquency?as_of=2026-04-24", headers=headers)).json()
        # 24 April: L02 is 35 days past due (since 20 March)
        assert before["by_bucket"]["31-60"] == {"count": 1, "balance": "10000.00"}
        assert before["outstanding_principal"] == "20000.00"

        may = (await client.get("/v1/reports/portfolio?as_of=2026-05-25", headers=headers)).json()
        assert may["active_loans"] == 1 and may["outstanding_principal"] == "10000.00"
        # due: L01 4×100; L02 installments 1–3 (the 20 May one fell due after the write-off); collected 400 + 100
        assert may["matured"] == {"due": "700.00", "collected": "500.00", "collection_rate": "0.7143"}
        assert may["interest_received"] == "500.00" and may["interest_receivable"] == "0.00"

        delinquency = (await client.get("/v1/reports/delinquency?as_of=2026-05-25", headers=headers)).json()
        assert delinquency["npl"] == {"balance": "0.00", "ratio": "0.0000"}
        assert delinquency["previous_month_end"]["outstanding_principal"] == "10000.00"
        # 11 days past due at the end of March, written off by 25 April: a roll forward
        april = (await client.get("/v1/reports/delinquency?as_of=2026-04-25", headers=headers)).json()
        assert april["roll_rates"]["1-30"]["count"] == 1 and april["roll_rates"]["1-30"]["to"]["written_off"] == 1
        assert april["roll_rates"]["1-30"]["roll_forward_rate"] == "1.0000"

        recovered = (await client.get("/v1/reports/collections?from=2026-05-01&to=2026-05-31",
                                      headers=headers)).json()
        assert recovered["recovered"] == "500.00" and recovered["collectors"]["he"]["commission"] == "25.00"


async def _all_handled(app, count: int) -> bool:
    return await handled(app) >= count
