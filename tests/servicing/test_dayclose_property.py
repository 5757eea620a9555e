"""The one-statement SQL day-close does to every loan exactly what the domain rule (`day_close`) says.

Before each day is closed, every loan is folded from its stream and `day_close(loan, D)` says
what D brings it; the SQL then closes D over the whole book. Per loan: the same events in the
same order (type and data, as the contract models render them, byte for byte in the outbox),
the stream's sequence continuing; the penalty charges written; the read model's version,
status and overdue_since (of open loans) those of the loan folded again. Two ways to choose the books: a story
(three loans, one per repayment method, one paying late, day after day from March to late July)
and hypothesis (loans disbursed up to 400 days back, paid in part, paid off or written off).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.servicing.adapters import loan_repository as repo
from services.servicing.domain.dayclose import DayCloseRules, day_close
from services.servicing.service_layer.handlers import on_write_off_decided
from shared.contracts import CloudEvent, make_event, parse_data
from shared.contracts.collections import WriteOffDecided

from .conftest import START, ServicingApp, servicing_app


@pytest.fixture(params=[[30, 60, 90, 180], [1, 30, 60]], ids=["default-boundaries", "boundary-on-day-one"])
async def servicing(request, platform, _drop_platform_dbs):
    """Servicing (API only) with the default DPD boundaries, or with one on the first day of a miss."""
    async with servicing_app(platform, dpd_boundaries=request.param) as app:
        yield app


async def close_and_compare(servicing: ServicingApp, loan_ids: list[str], day: date) -> set[str]:
    """Close `day` (the next business date) and hold what the SQL wrote to `day_close`; the types seen."""
    svc = servicing.app.state.servicing
    rules = DayCloseRules.of(svc.settings.penalty_daily_rate, svc.settings.reminder_days_before,
                             svc.settings.dpd_boundaries)
    async with servicing.app.state.kernel.db.acquire() as conn:
        before = {loan_id: await repo.load(conn, svc.store, loan_id) for loan_id in loan_ids}
    expected = {loan_id: day_close(loan, day, rules) for loan_id, loan in before.items()}
    [closed] = (await servicing.advance(day))["closed"]
    assert closed["business_date"] == day.isoformat()
    seen: set[str] = set()
    async with servicing.app.state.kernel.db.acquire() as conn:
        for loan_id, loan in before.items():
            rows = await conn.fetch(
                """SELECT e.envelope, o.key, o.payload FROM events e JOIN outbox o USING (position)
                   WHERE e.stream_id = $1 AND e.version > $2 ORDER BY e.version""", repo.stream_of(loan_id),
                loan.version)
            published = [CloudEvent.from_json_bytes(bytes(r["payload"])) for r in rows]
            wanted = expected[loan_id]
            assert [(p.type, p.data) for p in published] == [(e.event_type, e.to_data()) for e in wanted], day
            for row, event, data in zip(rows, published, wanted, strict=True):
                assert event.model_dump(mode="json", exclude_none=True) == row["envelope"]
                # the outbox bytes are what CloudEvent renders, with the data as the contract model renders it
                assert bytes(row["payload"]) == event.model_copy(update={"data": data.to_data()}).to_json_bytes()
                assert (row["key"], event.subject, event.businessdate, event.source) == (
                    loan_id, loan_id, day, "servicing")
                parse_data(event)
                seen.add(event.type)
            assert [e.sequence for e in published] == list(range(loan.version + 1, loan.version + 1 + len(wanted)))
            charges = await conn.fetch("SELECT charge_id, amount, reason FROM charges WHERE loan_id = $1 "
                                       "AND kind = 'penalty_interest' AND applied_on = $2", loan_id, day)
            assert [(c["charge_id"], c["amount"], c["reason"]) for c in charges] == [
                (e.charge_id, e.amount, e.reason) for e in wanted if e.event_type == "loan.charge.applied"]
            after = await repo.load(conn, svc.store, loan_id)
            row = await conn.fetchrow("SELECT version, status, overdue_since FROM loans WHERE loan_id = $1", loan_id)
            # a paid-off or written-off loan's overdue_since stays as its closing left it (no day-close touches it)
            since = after.overdue_since(day) if not after.closed else row["overdue_since"]
            assert (row["version"], row["status"], row["overdue_since"]) == (
                after.version, after.status(day), since), (loan_id, day)
    return seen


async def test_each_day_the_sql_does_what_the_domain_rule_says(servicing):
    loans = [await servicing.disburse(method="equal_installment", due_day=20),
             await servicing.disburse(method="equal_principal", due_day=5),
             await servicing.disburse(method="interest_only", due_day=28)]
    partner = await servicing.partner()
    kinds: set[str] = set()
    day = START + timedelta(days=1)
    while day <= date(2026, 7, 25):
        if day == date(2026, 4, 25):  # the equal-principal loan pays what it owes, late
            owed = (await servicing.loan(loans[1]))["overdue"]["total"]
            assert (await servicing.pay(partner, loans[1], owed)).status_code == 201
        kinds |= await close_and_compare(servicing, loans, day)
        day += timedelta(days=1)
    assert kinds == {"loan.payment.due", "loan.payment.missed", "loan.charge.applied"}
    events = await servicing.events(loans[0])
    boundaries = [e["data"].get("dpd_boundary") for e in events if e["type"] == "loan.payment.missed"]
    configured = servicing.app.state.servicing.settings.dpd_boundaries
    assert {b for b in boundaries if b} == {b for b in configured if b <= 96}  # DPD 96 on 25 July


LOAN = st.fixed_dictionaries({
    "principal": st.integers(min_value=1, max_value=20_000_000).map(lambda fen: f"{Decimal(fen) / 100:.2f}"),
    "rate": st.sampled_from(["0.06", "0.12", "0.1825", "0.24", "0.36"]),
    "months": st.integers(min_value=1, max_value=24),
    "method": st.sampled_from(["equal_installment", "equal_principal", "interest_only"]),
    "days_back": st.integers(min_value=0, max_value=400),
    "due_day": st.integers(min_value=1, max_value=28),
})
# before day n of the run: a payment of a share of what is owed (1 = the payoff), or a write-off
ACTION = st.tuples(st.integers(min_value=0, max_value=5), st.integers(min_value=0, max_value=4),
                   st.one_of(st.decimals(min_value=Decimal("0.001"), max_value=Decimal("1"), places=3),
                             st.just("write_off")))


@pytest.fixture
async def book_servicing(platform, _drop_platform_dbs):
    """Servicing with more DPD boundaries (so generated books reach them), and a partner that pays."""
    async with servicing_app(platform, dpd_boundaries=[1, 2, 3, 7, 30, 60, 90, 180]) as app:
        yield app, await app.partner()


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(book=st.lists(LOAN, min_size=1, max_size=5), actions=st.lists(ACTION, max_size=6),
       days=st.integers(min_value=1, max_value=6))
async def test_on_any_book_the_sql_does_what_the_domain_rule_says(book_servicing, book, actions, days):
    """One servicing database across examples: each example adds its loans at the current business date."""
    servicing, partner = book_servicing
    today = date.fromisoformat((await servicing.client.get("/v1/business-date", headers=servicing.reader))
                               .json()["business_date"])
    loans = [await servicing.disburse(principal=spec["principal"], rate=spec["rate"], months=spec["months"],
                                      method=spec["method"], on=today - timedelta(days=spec["days_back"]),
                                      due_day=spec["due_day"]) for spec in book]
    for n in range(days):
        for _, which, what in (a for a in actions if a[0] == n):
            await act(servicing, partner, loans[which % len(loans)], what)
        await close_and_compare(servicing, loans, today + timedelta(days=n + 1))


async def act(servicing: ServicingApp, partner: dict[str, str], loan_id: str, what: Decimal | str) -> None:
    """Pay a share of the payoff amount (or all of it), or write the loan off, as the world would."""
    if what == "write_off":
        event = make_event("collections", WriteOffDecided(case_id=f"case-{loan_id}", loan_id=loan_id,
                                                          decided_by="carol", reason="uncollectable"),
                           subject=loan_id, businessdate=START)
        async with servicing.app.state.kernel.db.acquire() as conn, conn.transaction():
            await on_write_off_decided(conn, servicing.app.state.servicing, event)
        return
    view = await servicing.loan(loan_id)
    payoff = Decimal(view["payoff_amount"])
    amount = (payoff * Decimal(what)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    if view["status"] == "paid_off" or amount <= 0:
        return
    answer = await servicing.pay(partner, loan_id, f"{amount:.2f}")
    assert answer.status_code == 201, answer.text
