"""Call quality through the running service: recording references on contacts, the weekly sample drawn once
with a recorded seed, scorecard reviews with findings, and coaching acknowledged by the collector."""

from __future__ import annotations

import hashlib
from datetime import date

from services.collections.domain.qa import DEFAULT_SCORECARD, draw
from tests.collections.test_promises_and_contacts import of_type
from tests.collections.test_reach_api import open_case

WEEK = "2026-W17"  # the business date of the stories below, 22 April 2026, is in it
QA = ("qa-li", "qa")


def recording(n: int) -> dict[str, object]:
    return {"uri": f"s3://calls/2026/04/{n}.wav", "duration_s": 95 + n,
            "sha256": hashlib.sha256(f"call {n}".encode()).hexdigest()}


def all_pass(**fails: str) -> dict[str, str]:
    return {i.id: fails.get(i.id, "pass") for i in DEFAULT_SCORECARD}


async def contact(desk, case, who, *, channel="phone", outcome="no_answer", rec=None):
    body = {"channel": channel, "outcome": outcome, **({"recording": rec} if rec is not None else {})}
    return await desk.client.post(f"/v1/cases/{case['case_id']}/contacts", headers=who, json=body)


async def contact_ids(desk, case_id):
    async with desk.app.state.kernel.db.acquire() as conn:
        return {r["contact_id"] for r in await conn.fetch("SELECT contact_id FROM contacts WHERE case_id = $1",
                                                           case_id)}


async def test_a_contact_carries_its_recording_reference_and_a_malformed_one_changes_nothing(desk, servicing):
    case, li = await open_case(desk, servicing, "Q1")
    rec = recording(1) | {"sha256": recording(1)["sha256"].upper(), "duration_s": "95.250"}
    logged = await contact(desk, case, li, rec=rec)
    assert logged.status_code == 201, logged.text
    before = await contact_ids(desk, case["case_id"])
    bad = [{**recording(2), "sha256": "ab" * 31 + "a"},  # 63 hex digits
           {**recording(2), "sha256": "zz" * 32},
           {**recording(2), "duration_s": 0}, {**recording(2), "duration_s": -3}, {**recording(2), "duration_s": "x"},
           {**recording(2), "duration_s": "1.0001"},
           {**recording(2), "uri": "not a uri"}, {**recording(2), "uri": "calls/2.wav"},
           {"uri": "s3://calls/2.wav", "duration_s": 3}, {**recording(2), "format": "wav"}]
    for body in bad:
        refused = await contact(desk, case, li, rec=body)
        assert refused.status_code == 422, (body, refused.text)
    sms = await contact(desk, case, li, channel="sms", outcome="no_answer", rec=recording(3))
    assert sms.status_code == 422 and sms.json()["error"]["code"] == "recording_not_for_channel"
    assert await contact_ids(desk, case["case_id"]) == before

    published = await desk.published(lambda es: of_type(es, "collections.contact.logged", "Q1"))
    [event] = of_type(published, "collections.contact.logged", "Q1")
    assert event.dataschemaversion == 2
    assert event.data["recording"] == {"uri": "s3://calls/2026/04/1.wav", "duration_s": "95.250",
                                       "sha256": recording(1)["sha256"]}  # the hash kept lower-case


async def _recorded_week(desk, servicing):
    """Three cases of two collectors; recorded calls and visits, and some contacts without a recording."""
    cases = [await open_case(desk, servicing, loan) for loan in ("Q2", "Q3", "Q4")]
    n = 0
    for case, who in cases:
        for _ in range(2):
            n += 1
            assert (await contact(desk, case, who, rec=recording(n))).status_code == 201
        assert (await contact(desk, case, who)).status_code == 201  # not recorded: never drawn
    n += 1
    assert (await contact(desk, cases[0][0], cases[0][1], channel="visit", outcome="met_borrower",
                          rec=recording(n))).status_code == 201
    return cases


async def test_the_weekly_sample_is_drawn_once_the_week_is_over_with_a_recorded_seed(desk, servicing):
    desk.app.state.collections.qa_sample_size = 2
    cases = await _recorded_week(desk, servicing)
    early = await desk.client.get("/v1/qa/sample", params={"week": WEEK}, headers=desk.as_(*QA))
    assert early.status_code == 409 and early.json()["error"]["code"] == "week_not_over"
    assert (await desk.client.get("/v1/qa/sample", params={"week": "2026-17"},
                                  headers=desk.as_(*QA))).status_code == 422
    assert (await desk.client.get("/v1/qa/sample", params={"week": "2026-W54"},
                                  headers=desk.as_(*QA))).json()["error"]["code"] == "bad_week"

    await servicing.day_closed(date(2026, 4, 27))
    await desk.handled(servicing.sent)
    first = await desk.client.get("/v1/qa/sample", params={"week": WEEK}, headers=desk.as_(*QA))
    assert first.status_code == 200, first.text
    sample = first.json()
    collectors = {case["assignee"] for case, _ in cases}
    assert set(sample["population"]) == collectors and len(collectors) == 2
    recorded = {c["contact_id"]: c for c in await _recordings(desk)}
    assert sorted(i for ids in sample["population"].values() for i in ids) == sorted(recorded)  # recorded only
    for collector, ids in sample["sample"].items():
        assert len(ids) == min(2, len(sample["population"][collector]))
        assert set(ids) <= set(sample["population"][collector])
        assert {recorded[i]["collector"] for i in ids} == {collector}
    assert [i["contact_id"] for i in sample["items"]] == [i for ids in sample["sample"].values() for i in ids]
    assert all(i["recording"]["uri"].startswith("s3://calls/") and i["review"] is None for i in sample["items"])
    assert [i["id"] for i in sample["scorecard"]] == [i.id for i in DEFAULT_SCORECARD]
    # audit: the recorded seed and population draw the same sample again
    assert draw(sample["seed"], WEEK, sample["population"], sample["per_collector"]) == sample["sample"]

    again = await desk.client.get("/v1/qa/sample", params={"week": WEEK}, headers=desk.supervisor)
    assert again.status_code == 200 and again.json()["seed"] == sample["seed"]
    assert again.json()["sample"] == sample["sample"] and again.json()["drawn_by"] == "qa-li"
    published = await desk.published(lambda es: [e for e in es if e.type == "collections.qa.sample_drawn"])
    [drawn] = [e for e in published if e.type == "collections.qa.sample_drawn"]
    assert (drawn.data["seed"], drawn.data["sample"], drawn.subject) == (sample["seed"], sample["sample"], f"qa-{WEEK}")
    refused = await desk.client.get("/v1/qa/sample", params={"week": WEEK}, headers=cases[0][1])
    assert refused.status_code == 403


async def _recordings(desk):
    async with desk.app.state.kernel.db.acquire() as conn:
        return [dict(r) for r in await conn.fetch("SELECT contact_id, collector FROM recordings")]


async def test_a_review_scores_a_sampled_contact_and_its_collector_acknowledges_the_coaching(desk, servicing):
    desk.app.state.collections.qa_sample_size = 1
    cases = await _recorded_week(desk, servicing)
    await servicing.day_closed(date(2026, 4, 27))
    await desk.handled(servicing.sent)
    qa = desk.as_(*QA)
    sample = (await desk.client.get("/v1/qa/sample", params={"week": WEEK}, headers=qa)).json()
    picked = {i["collector"]: i["contact_id"] for i in sample["items"]}
    collector = sorted(picked)[0]
    other = sorted(picked)[1]
    contact_id = picked[collector]
    url = f"/v1/contacts/{contact_id}/qa-reviews"

    missing = {k: v for k, v in all_pass().items() if k != "verified_right_party"}
    for scores, code in ((missing, "scorecard_incomplete"), (all_pass() | {"sang_a_song": "pass"},
                                                              "unknown_scorecard_item")):
        refused = await desk.client.post(url, headers=qa, json={"scores": scores})
        assert refused.status_code == 422 and refused.json()["error"]["code"] == code, refused.text
    assert (await desk.client.post(url, headers=qa, json={"scores": all_pass(no_threat_or_abuse="maybe")})
            ).status_code == 422
    assert (await desk.client.post(url, headers=desk.supervisor, json={"scores": all_pass()})).status_code == 403
    own = await desk.client.post(url, headers=desk.as_(collector, "qa"), json={"scores": all_pass()})
    assert own.status_code == 403 and own.json()["error"]["code"] == "own_contact"
    unsampled = sorted({r["contact_id"] for r in await _recordings(desk)} - set(picked.values()))[0]
    not_drawn = await desk.client.post(f"/v1/contacts/{unsampled}/qa-reviews", headers=qa,
                                       json={"scores": all_pass()})
    assert not_drawn.status_code == 409 and not_drawn.json()["error"]["code"] == "contact_not_sampled"

    scores = all_pass(no_threat_or_abuse="fail", stated_amount_and_due_date="fail", offered_ways_to_pay="na")
    reviewed = await desk.client.post(url, headers=qa | {"Idempotency-Key": "r-1"},
                                      json={"scores": scores, "note": "raised voice at 02:10"})
    assert reviewed.status_code == 201, reviewed.text
    review = reviewed.json()
    assert (review["collector"], review["reviewer"], review["week"], review["scores"]) == (
        collector, "qa-li", WEEK, scores)
    assert [(f["item"], f["coaching_required"]) for f in review["findings"]] == [
        ("stated_amount_and_due_date", False), ("no_threat_or_abuse", True)]
    replay = await desk.client.post(url, headers=qa | {"Idempotency-Key": "r-1"},
                                    json={"scores": scores, "note": "raised voice at 02:10"})
    assert replay.status_code == 201 and replay.headers["Idempotent-Replayed"] == "true"
    twice = await desk.client.post(url, headers=qa, json={"scores": all_pass()})
    assert twice.status_code == 409 and twice.json()["error"]["code"] == "already_reviewed"

    mine = await desk.client.get("/v1/qa-findings", headers=desk.as_(collector, "collector"))
    assert [f["item"] for f in mine.json()["items"]] == ["stated_amount_and_due_date", "no_threat_or_abuse"]
    theirs = await desk.client.get("/v1/qa-findings", params={"collector": collector},
                                   headers=desk.as_(other, "collector"))
    assert theirs.json()["items"] == []  # a collector sees only the findings on their own contacts
    to_ack = await desk.client.get("/v1/qa-findings", params={"status": "to_acknowledge", "collector": collector},
                                   headers=desk.supervisor)
    [coaching] = to_ack.json()["items"]
    plain = next(f for f in review["findings"] if not f["coaching_required"])

    ack_url = f"/v1/qa-findings/{coaching['finding_id']}/acknowledge"
    stranger = await desk.client.post(ack_url, headers=desk.as_(other, "collector"), json={})
    assert stranger.status_code == 403 and stranger.json()["error"]["code"] == "not_your_finding"
    assert (await desk.client.post(ack_url, headers=desk.supervisor, json={})).status_code == 403
    not_needed = await desk.client.post(f"/v1/qa-findings/{plain['finding_id']}/acknowledge",
                                        headers=desk.as_(collector, "collector"), json={})
    assert not_needed.status_code == 409 and not_needed.json()["error"]["code"] == "coaching_not_required"
    acked = await desk.client.post(ack_url, headers=desk.as_(collector, "collector"),
                                   json={"note": "coached by 陈 on 28 April"})
    assert acked.status_code == 200, acked.text
    assert (acked.json()["acknowledged_by"], acked.json()["acknowledged_on"]) == (collector, "2026-04-27")
    again = await desk.client.post(ack_url, headers=desk.as_(collector, "collector"), json={})
    assert again.status_code == 409 and again.json()["error"]["code"] == "finding_acknowledged"
    left = await desk.client.get("/v1/qa-findings", params={"status": "to_acknowledge"}, headers=qa)
    assert left.json()["items"] == []
    assert (await desk.client.post("/v1/qa-findings/qr-none-1/acknowledge", headers=desk.as_(collector, "collector"),
                                   json={})).status_code == 404

    view = (await desk.client.get("/v1/qa/sample", params={"week": WEEK}, headers=qa)).json()
    shown = next(i for i in view["items"] if i["contact_id"] == contact_id)
    assert shown["review"]["findings"][1]["acknowledged_by"] == collector
    loan = next(case["loan_id"] for case, _ in cases if case["case_id"] == shown["case_id"])
    published = await desk.published(lambda es: of_type(es, "collections.qa.coaching_acknowledged", loan))
    [event] = of_type(published, "collections.qa.reviewed", loan)
    assert [f["item"] for f in event.data["findings"]] == ["stated_amount_and_due_date", "no_threat_or_abuse"]
    [ack] = of_type(published, "collections.qa.coaching_acknowledged", loan)
    assert (ack.data["finding_id"], ack.data["acknowledged_by"]) == (coaching["finding_id"], collector)
