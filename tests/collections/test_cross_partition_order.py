"""Day-closes and a loan's notices travel on different partitions: a notice overtaken by later
day-closes (a consumer restart, a rebalance) must not leave the case at a stale DPD."""

from __future__ import annotations

from datetime import date, timedelta


async def test_a_missed_notice_arriving_after_later_day_closes_counts_dpd_to_the_last_closed_day(desk, servicing):
    # the loan missed 20 April; day-closes up to 30 May arrive before its 30-day notice (20 May)
    for day in range(1, 41):
        await servicing.day_closed(date(2026, 4, 20) + timedelta(days=day))
    await servicing.missed("L40", dpd=1)
    opened = await desk.case_of("L40")
    late_notice = await servicing.missed("L40", dpd=30)
    await desk.handled(servicing.sent)
    case = await desk.case(opened["case_id"])
    assert (case["stage"], case["days_past_due"]) == ("mid", 40)
    assert late_notice.businessdate == date(2026, 5, 20)


async def test_a_case_opened_late_starts_at_the_dpd_of_the_last_closed_day(desk, servicing):
    for day in range(1, 36):
        await servicing.day_closed(date(2026, 4, 20) + timedelta(days=day))
    await servicing.missed("L35", dpd=1)
    await desk.handled(servicing.sent)
    case = await desk.case_of("L35")
    assert (case["stage"], case["days_past_due"]) == ("mid", 35)


async def test_collections_stamps_the_business_date_servicing_stamps(desk, servicing):
    """After servicing's day-close into D, what collectors do that day is dated D, as servicing's events are."""
    await servicing.missed("BD1", dpd=1)
    case = await desk.case_of("BD1")
    await servicing.day_closed(date(2026, 4, 25))
    await desk.handled(servicing.sent)
    r = await desk.client.post(f"/v1/cases/{case['case_id']}/promises", headers=desk.as_(case["assignee"], "collector"),
                               json={"amount": "300.00", "promised_date": "2026-04-27"})
    assert r.status_code == 201, r.text
    published = await desk.published(lambda es: any(e.type == "collections.promise.made" for e in es))
    [made] = [e for e in published if e.type == "collections.promise.made" and e.subject == "BD1"]
    assert made.businessdate == date(2026, 4, 25)
