"""Cases through real Kafka and PostgreSQL: open, assign, queue, escalate, cure, pay off, no duplicates."""

from __future__ import annotations

from datetime import date


def of_type(events, type_, loan_id):
    return [e for e in events if e.type == type_ and e.subject == loan_id]


async def test_a_missed_payment_opens_a_front_case_assigned_and_queued(desk, servicing):
    """Disbursed on 1 March; the 20 April installment goes unpaid; day-close on 21 April opens a case."""
    await servicing.disbursed("L1")
    await servicing.missed("L1", dpd=1)
    case = await desk.case_of("L1")
    assert (case["stage"], case["queue"], case["days_past_due"]) == ("front", "front", 1)
    assert case["assignee"] == "collector-f1"
    queue = await desk.client.get("/v1/queue", headers=desk.as_("collector-f1", "collector"))
    [queued] = queue.json()["items"]
    assert queued["case_id"] == case["case_id"]
    assert queued["next_action"]["channel"] == "sms"  # the policy's reminder, due the day the case opened
    view = await desk.until(case["case_id"], lambda v: len(v["trace_contacts"]) == 3)
    assert view["borrower"]["name"] == "张伟"
    queue = await desk.client.get("/v1/queue", headers=desk.as_("collector-f1", "collector"))
    [queued] = queue.json()["items"]
    assert (queued["borrower_name_masked"], queued["borrower_phone_masked"]) == ("张*", "139****0000"), \
        "the queue says who the borrower is, masked"
    listed = await desk.client.get("/v1/cases", params={"loan_id": "L1"}, headers=desk.supervisor)
    assert [c["borrower_name_masked"] for c in listed.json()["items"]] == ["张*"]
    assert "张伟" not in queue.text + listed.text and "13900000000" not in queue.text + listed.text
    assert [t["type"] for t in view["timeline"]][:2] == ["collections.case.opened", "collections.policy.decided"]
    published = await desk.published(lambda es: of_type(es, "collections.case.assigned", "L1"))
    [decided] = of_type(published, "collections.policy.decided", "L1")
    assert decided.data["rule_id"] == "front-first-contact"


async def test_dpd_crossing_30_and_90_escalates_to_mid_then_back(desk, servicing):
    await servicing.missed("L2", dpd=1)
    case = await desk.case_of("L2")
    await servicing.missed("L2", dpd=31)
    await desk.until(case["case_id"], lambda v: v["stage"] == "mid")
    await servicing.day_closed(date(2026, 7, 20))  # 91 days past the 20 April due date
    view = await desk.until(case["case_id"], lambda v: v["stage"] == "back")
    assert view["assignee"] == "collector-b1" or view["queue"] in ("legal", "agency")
    published = await desk.published(lambda es: len(of_type(es, "collections.case.escalated", "L2")) == 2)
    steps = [(e.data["from_stage"], e.data["to_stage"]) for e in of_type(published, "collections.case.escalated", "L2")]
    assert steps == [("front", "mid"), ("mid", "back")]


async def test_cure_and_payoff_close_the_case_and_a_later_miss_opens_a_new_episode(desk, servicing):
    await servicing.missed("L3", dpd=1)
    first = await desk.case_of("L3")
    tagged = await desk.client.post(f"/v1/cases/{first['case_id']}/tags", headers=desk.supervisor,
                                    json={"behaviour": "evasive"})
    assert tagged.status_code == 201
    await servicing.paid("L3", "1066.19", date(2026, 4, 23), status="current")
    closed = await desk.until(first["case_id"], lambda v: v["status"] == "closed")
    assert closed["resolution"] == "cured"
    await servicing.missed("L3", dpd=1, due=date(2026, 5, 20))
    second = await desk.case_of("L3")
    assert second["episode"] == 2 and second["case_id"] != first["case_id"]
    assert second["tags"] == ["evasive"]  # the borrower's behaviour carries over

    await servicing.missed("L4", dpd=3)
    case = await desk.case_of("L4")
    await servicing.paid_off("L4", date(2026, 4, 25))
    assert (await desk.until(case["case_id"], lambda v: v["status"] == "closed"))["resolution"] == "paid_off"


async def test_duplicate_and_out_of_order_delivery_never_open_a_second_case(desk, servicing):
    # the same missed notice delivered twice, plus a repeated notice for the same episode
    notice = servicing.missed_event("L5", dpd=1)
    await servicing.send("servicing", "L5", notice, notice, servicing.missed_event("L5", dpd=2))
    # a 31-day notice overtaking the 1-day one
    late = servicing.missed_event("L6", dpd=1)
    await servicing.send("servicing", "L6", servicing.missed_event("L6", dpd=31), late)
    # the cure overtaking the miss it cures
    miss = servicing.missed_event("L7", dpd=1)
    await servicing.send("servicing", "L7", servicing.paid_event("L7", "1066.19", date(2026, 4, 22), "current"), miss)
    # a cured episode's notice delivered again after the cure
    await servicing.missed("L8", dpd=1)
    l8 = await desk.case_of("L8")
    await servicing.paid("L8", "1066.19", date(2026, 4, 23), status="current")
    await desk.until(l8["case_id"], lambda v: v["status"] == "closed")
    await servicing.send("servicing", "L8", servicing.missed_event("L8", dpd=1, sequence=1))
    await desk.handled(servicing.sent)

    async def cases(loan_id):
        r = await desk.client.get("/v1/cases", params={"loan_id": loan_id}, headers=desk.supervisor)
        return r.json()["items"]

    assert len(await cases("L5")) == 1
    [l6] = await cases("L6")
    assert (l6["stage"], l6["days_past_due"]) == ("mid", 31)
    assert await cases("L7") == []
    assert len(await cases("L8")) == 1
