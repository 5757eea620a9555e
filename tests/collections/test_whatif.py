"""What-if replay (issue 17): the champion replayed over the recorded streams reproduces exactly the recorded
decisions; a challenger that sends letters at once shows more letters on the cases' opening days."""

from __future__ import annotations

from collections import Counter
from datetime import date
from decimal import Decimal

from loanflow.testing import eventually
from services.collections.adapters import directory
from services.collections.adapters.cases import stream_id
from services.collections.adapters.policy_file import load_policy
from services.collections.config import DEFAULT_POLICY, CollectionsSettings
from services.collections.domain.whatif import Recorded, replay, triggers_of, workload
from services.collections.domain.whatif_report import Capacity, load, report
from services.collections.service_layer import whatif as service
from services.collections.service_layer.whatif import what_if
from shared.contracts import collections as ev
from shared.contracts import make_event, parse_data
from shared.contracts import origination as og
from tests.collections.test_arms import write_challenger
from tests.collections.test_promises_and_contacts import promise

UNTIL = date(2026, 7, 31)


async def recorded_streams(desk) -> list[list[Recorded]]:
    """Every case stream as the event store holds it (what `loanflow collections what-if` reads)."""
    store = desk.app.state.collections.store
    async with desk.app.state.kernel.db.acquire() as conn:
        ids = [r["case_id"] for r in await conn.fetch("SELECT case_id FROM cases ORDER BY case_id")]
        streams = [await store.load(conn, stream_id(i)) for i in ids]
    return [[Recorded(parse_data(e), e.businessdate, e.correlationid) for e in s] for s in streams]


async def disbursed_with_home(desk, servicing, *loans: str) -> None:
    """loan.disbursed v2 with the borrower's home address (where the policy's letters go), handled."""
    sent = []
    for loan in loans:
        data = og.LoanDisbursed(loan_id=loan, application_id=f"A-{loan}",
                                borrower=og.Borrower(name="张伟", id_number_masked="110101********1234",
                                                     phone="13900000000", region="Shanghai",
                                                     addresses=og.Addresses(home=f"上海市徐汇区漕溪北路{loan}号")),
                                principal=Decimal("12000.00"), annual_rate=Decimal("0.12"), term_months=12,
                                repayment_method="equal_installment", disbursement_date=date(2026, 3, 1),
                                due_day=20, product="credit", contacts=[], disbursed_by="cm")
        event = make_event("origination", data, subject=loan, businessdate=date(2026, 3, 1))
        await servicing.send("origination", loan, event)
        sent.append(event.id)
    await desk.handled(set(sent))


async def a_recorded_period(desk, servicing) -> None:
    """Front cases (their borrowers' home addresses known), a serial promiser escalated by the policy, cases
    rolled to mid and back by DPD."""
    await disbursed_with_home(desk, servicing, "W1", "W2", "W3")
    for loan in ("W1", "W2", "W3"):
        await servicing.missed(loan, dpd=2)
    case = await desk.case_of("W1")
    li = desk.as_(case["assignee"], "collector")
    await promise(desk, case, "500.00", date(2026, 4, 25), li)
    await desk.handled(servicing.sent)
    await servicing.day_closed(date(2026, 4, 26))
    await desk.until(case["case_id"], lambda v: v["broken_promises"] == 1)
    await promise(desk, case, "400.00", date(2026, 4, 28), li)
    await servicing.day_closed(date(2026, 4, 29))
    await desk.until(case["case_id"], lambda v: v["stage"] == "mid")
    await servicing.missed("W2", dpd=31)
    await servicing.missed("W3", dpd=95, amount="800.00")
    w3 = await desk.case_of("W3")
    await desk.until(w3["case_id"], lambda v: v["stage"] == "back")
    await desk.handled(servicing.sent)


async def test_the_champion_replayed_reproduces_the_recorded_decisions(desk, servicing):
    await a_recorded_period(desk, servicing)
    streams = await recorded_streams(desk)
    ctx = desk.app.state.collections
    result = replay(streams, ctx.arms.champion, ctx.rules, UNTIL)
    assert len(result.recorded) >= 8
    assert {d.rule_id for d in result.recorded} >= {"front-first-contact", "serial-promiser-escalation",
                                                   "mid-registered-letter", "back-agency-small"}
    assert result.candidate == result.recorded  # same decisions, days, triggers and actions, in order
    async with desk.app.state.kernel.db.acquire() as conn:  # where a re-decided letter may go
        loans = await directory.get_many(conn, [s[0].data.loan_id for s in streams])
    redecided = replay(streams, ctx.arms.champion, ctx.rules, UNTIL, follow_record=False, loans=loans)
    assert redecided.candidate == result.recorded, "re-deciding every case through the aggregate: the same"
    async with desk.app.state.kernel.db.acquire() as conn:  # what the CLI runs: its own read and decoder
        fast = await service.recorded_streams(conn, date(2026, 4, 1), UNTIL)
        through_service = await service.replay_period(conn, ctx.arms.champion, ctx.rules, date(2026, 4, 1), UNTIL)
    assert fast == streams, "the derived decoder gives the events parse_data gives, field for field"
    assert through_service.candidate == through_service.recorded == result.recorded
    figures = report(result, Capacity(collectors=2, calls_per_collector_per_day=1, visits_per_collector_per_month=1),
                     date(2026, 4, 1), UNTIL)
    assert all(not d["only_candidate"] and not d["only_recorded"] for d in figures["differences"].values())
    assert "recorded" in figures["note"]


async def test_a_challenger_sending_letters_at_once_shows_more_letters_on_the_opening_days(desk, servicing, tmp_path):
    await a_recorded_period(desk, servicing)
    streams = await recorded_streams(desk)
    ctx = desk.app.state.collections
    challenger = load_policy(write_challenger(tmp_path))  # front-first-contact sends a reminder letter at once
    result = replay(streams, challenger, ctx.rules, UNTIL)
    opened = {s[0].data.case_id: s[0].businessdate for s in streams}
    front = [case for case, s in zip(opened, streams, strict=True) if s[0].data.stage == "front"]
    letters_then = Counter({day: n for (day, channel), n in workload(result.candidate).items() if channel == "letter"})
    letters_recorded = Counter({day: n for (day, channel), n in workload(result.recorded).items()
                                if channel == "letter"})
    for day in {opened[c] for c in front}:
        expected = sum(1 for c in front if opened[c] == day)
        assert letters_then[day] - letters_recorded[day] == expected
    figures = report(result, Capacity(collectors=1, calls_per_collector_per_day=1, visits_per_collector_per_month=1),
                     date(2026, 4, 1), UNTIL)
    changed = figures["differences"]["front-first-contact"]
    assert changed["both"] == 0 and len(changed["only_candidate"]) == len(changed["only_recorded"]) == len(front)


def test_a_broken_promise_that_tags_a_serial_promiser_raises_tagged_first():
    ids = {"case_id": "C1", "loan_id": "L1"}
    broken = ev.PromiseBroken(**ids, promise_id="p", amount=Decimal("1.00"), paid_amount=Decimal("0.00"),
                              promised_date=date(2026, 4, 1), broken_count=2)
    tagged = ev.CaseTagged(**ids, behaviour="serial_promiser", tagged_by="system")
    assert triggers_of([broken, tagged]) == ["tagged", "promise_broken"]
    assert triggers_of([broken]) == ["promise_broken"]


def test_workload_against_capacity():
    work = Counter({(date(2026, 4, 22), "phone"): 3, (date(2026, 4, 23), "phone"): 1, (date(2026, 4, 23), "visit"): 2})
    figures = load(work, Capacity(collectors=2, calls_per_collector_per_day=1, visits_per_collector_per_month=1))
    assert figures["calls_over_capacity"] == ["2026-04-22"] and figures["call_capacity_per_day"] == 2
    assert figures["visits_by_month"] == {"2026-04": {"visits": 2, "target": 2}}
    assert figures["by_day"]["2026-04-23"] == {"phone": 1, "visit": 2}


async def test_what_if_reads_the_event_store_and_writes_nothing(desk, servicing, tmp_path):
    """What the CLI runs: the streams of the period from collections' database, replayed, nothing written."""
    await a_recorded_period(desk, servicing)
    async with desk.app.state.kernel.db.acquire() as conn:
        before = await conn.fetchval("SELECT count(*) FROM events")
    figures = await what_if(desk.app.state.kernel.dsn, write_challenger(tmp_path), date(2026, 4, 1), UNTIL,
                            CollectionsSettings(), calls_per_collector_per_day=1)
    assert figures["policy_version"] == "challenger-1" and figures["cases"] == 3
    assert figures["fired"]["candidate"]["front-first-contact"] == 3
    opening_day = "2026-04-22"  # the 20 April installment, 2 days past due
    assert figures["workload"]["candidate"]["by_day"][opening_day]["letter"] == 3
    assert "letter" not in figures["workload"]["recorded"]["by_day"][opening_day]
    assert figures["workload"]["recorded"]["by_day"][opening_day]["sms"] == 3
    later = await what_if(desk.app.state.kernel.dsn, DEFAULT_POLICY, date(2026, 8, 1), date(2026, 8, 31),
                          CollectionsSettings(), calls_per_collector_per_day=1)
    assert later["cases"] == 0
    async with desk.app.state.kernel.db.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM events") == before


async def test_the_topic_gives_the_same_what_if_as_the_event_store(desk, servicing, tmp_path):
    """`--source topics`: collections' topic on the test broker, read to its end without a consumer group,
    gives the report the event store gives, for the champion and for a challenger."""
    await a_recorded_period(desk, servicing)
    topic = (desk.platform.kafka_bootstrap, desk.platform.topic("collections"))
    async with desk.app.state.kernel.db.acquire() as conn:
        stored = await conn.fetchval("SELECT count(*) FROM events WHERE stream_id LIKE 'case-%'")

    async def published_all() -> bool:  # the relay publishes after the commit: wait for the last case event
        streams = await service.topic_streams(*topic, date(2026, 1, 1), UNTIL)
        return sum(len(s) for s in streams) == stored
    await eventually(published_all)
    dsn = desk.app.state.kernel.dsn
    for policy in (DEFAULT_POLICY, write_challenger(tmp_path)):
        from_stores = await what_if(dsn, policy, date(2026, 4, 1), UNTIL, CollectionsSettings(), 1)
        from_topics = await what_if(dsn, policy, date(2026, 4, 1), UNTIL, CollectionsSettings(), 1,
                                    source="topics", topic=topic)
        assert from_topics == from_stores and from_stores["cases"] == 3 and from_stores["decisions"]
    champion = await what_if(dsn, DEFAULT_POLICY, date(2026, 4, 1), UNTIL, CollectionsSettings(), 1,
                             source="topics", topic=topic)
    assert all(not d["only_candidate"] and not d["only_recorded"] for d in champion["differences"].values()), \
        "the champion replayed from the topic reproduces the recorded decisions"
    none = await what_if(dsn, DEFAULT_POLICY, date(2026, 8, 1), date(2026, 8, 31), CollectionsSettings(), 1,
                         source="topics", topic=topic)
    assert none["cases"] == 0


async def test_a_re_decided_letter_to_an_address_marked_invalid_is_skipped_as_the_live_policy_skipped_it(
        desk, servicing, tmp_path):
    """X1 and X2 disbursed with a home address; X2's collector finds it invalid (a visit: nobody of that name
    lives there). Both roll to mid at DPD 31: the live policy's registered letter goes to X1's home and is
    skipped for X2 (`no_valid_address`). A challenger that sends a letter at opening decides otherwise, so both
    cases are re-decided: the what-if — from the event store and from the topics — skips X2's mid letter exactly
    as recorded and sends X1's, where before it sent both (addresses unknown)."""
    await disbursed_with_home(desk, servicing, "X1", "X2")
    for loan in ("X1", "X2"):
        await servicing.missed(loan, dpd=2)
    x2 = await desk.case_of("X2")
    marked = await desk.client.post(f"/v1/cases/{x2['case_id']}/contact-points/borrower-home/status",
                                    headers=desk.supervisor, json={"status": "invalid", "reason": "moved away"})
    assert marked.status_code == 200, marked.text
    for loan in ("X1", "X2"):
        await servicing.missed(loan, dpd=31)
    for loan in ("X1", "X2"):
        case = await desk.case_of(loan)
        await desk.until(case["case_id"], lambda v: v["stage"] == "mid")
    await desk.handled(servicing.sent)

    def mid_letter(decisions: list[dict], loan: str) -> dict:
        [found] = [d for d in decisions if d["case_id"].startswith(loan) and d["rule_id"] == "mid-registered-letter"]
        return next(a for a in found["actions"] if a["type"] == "send_letter")

    recorded = [(s[0].data.case_id, d) for s in await recorded_streams(desk) for d in
                [r.data for r in s if type(r.data) is ev.PolicyDecided and r.data.rule_id == "mid-registered-letter"]]
    live = {case_id[:2]: next(a for a in d.actions if a["type"] == "send_letter") for case_id, d in recorded}
    assert live["X2"]["skipped"] == "no_valid_address" and "letter_id" in live["X1"], "the live policy"

    dsn, challenger = desk.app.state.kernel.dsn, write_challenger(tmp_path)
    topic = (desk.platform.kafka_bootstrap, desk.platform.topic("collections"))
    async with desk.app.state.kernel.db.acquire() as conn:
        stored = await conn.fetchval("SELECT count(*) FROM events WHERE stream_id LIKE 'case-%'")

    async def published_all() -> bool:
        return sum(len(s) for s in await service.topic_streams(*topic, date(2026, 1, 1), UNTIL)) == stored
    await eventually(published_all)
    for source in ("stores", "topics"):
        figures = await what_if(dsn, challenger, date(2026, 4, 1), UNTIL, CollectionsSettings(), 1, source=source,
                                topic=topic)
        first = figures["differences"]["front-first-contact"]
        assert first["both"] == 0 and len(first["only_candidate"]) == 2, "both cases re-decided"
        assert mid_letter(figures["decisions"], "X2") == {"type": "send_letter", "template": "demand_notice",
                                                          "registered": True, "skipped": "no_valid_address"}, source
        assert "skipped" not in mid_letter(figures["decisions"], "X1"), source
        mid = figures["differences"]["mid-registered-letter"]
        assert [d["case_id"][:2] for d in mid["only_candidate"]] == ["X1"], "X2's skip is the recorded one"
