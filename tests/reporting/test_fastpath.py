"""The rebuild's pydantic-free projection writes the very rows `project()` writes, or hands the event back."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import orjson
import pytest

from bench.scenarios._loanbook import loan_book
from services.reporting.adapters.writer import COLUMNS, copy_lines, lines_of_rows
from services.reporting.domain.fastpath import NeedsModel
from services.reporting.domain.fastproject import project_envelope
from services.reporting.domain.projection import project
from services.reporting.domain.spec import SPEC
from shared.contracts import CloudEvent, make_event
from shared.contracts import collections as c
from shared.contracts import origination as o
from shared.contracts.registry import latest_version
from tests.reporting.agency_story import agency_story
from tests.reporting.arrangement_story import arrangement_story
from tests.reporting.legal_story import legal_story
from tests.reporting.reach_story import reach_story
from tests.reporting.story import scripted_portfolio, with_contact_points
from tests.reporting.test_write_off import written_off_story

TIME_COLUMN = 8  # rpt_events.time: "…Z" and "…+00:00" are the same instant


def _same_instant(lines: dict[str, list[str]]) -> dict[str, list[str]]:
    out = dict(lines)
    cols = out["events"][0].split("\t")
    cols[TIME_COLUMN] = datetime.fromisoformat(cols[TIME_COLUMN]).isoformat()
    out["events"] = ["\t".join(cols)]
    return out


def _both_ways(raw: bytes) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    event = CloudEvent.from_json_bytes(raw)
    event_id, fast = project_envelope(orjson.loads(raw), raw)
    assert event_id == event.id
    return _same_instant(copy_lines(fast)), _same_instant(lines_of_rows(project(event)))


def _busy_story() -> list[CloudEvent]:
    """The scripted portfolio, the written-off story, an amended application, a letter, a v2 disbursement with
    addresses, employer and guarantor, the reach story (v2 contacts, complaints, queues), the agency story
    (placements, recoveries by channel), the legal story (issue 15): every type in `SPEC`."""
    v2 = reach_story()
    with_contact_points(v2)
    agency_story(v2)  # agency placements, v2 recoveries by channel (its one v1 recovery goes to the models: below)
    arrangement_story(v2)
    v2.events = [(s, e) for s, e in v2.events if e.dataschemaversion == latest_version(e.type)]
    events = [e for _, e in scripted_portfolio().events + written_off_story().events + v2.events
              + legal_story().events]
    submitted = next(e for e in events if e.type == "loan.application.submitted")
    applicant = o.Applicant(name="王小明", id_number="110101********1234", phone="13800001234",
                            monthly_income=Decimal("9000.00"), region="Dongshan town")
    amended = o.ApplicationAmended(application_id=submitted.data["application_id"], amended_by="cm-li",
                                   applicant=applicant, reason="moved")
    unchanged = o.ApplicationAmended(application_id=submitted.data["application_id"], amended_by="cm-li")
    opened = next(e for e in events if e.type == "collections.case.opened")
    letter = c.LetterSent(case_id=opened.data["case_id"], loan_id=opened.data["loan_id"], letter_id="L-1",
                          template="demand_notice", registered=True, tracking_number="XA123456785CN",
                          sent_on=opened.businessdate, pay_by=opened.businessdate, days_past_due=31,
                          overdue_since=opened.businessdate, amount_overdue=Decimal("1066.19"), penalty=Decimal("0"),
                          fees=Decimal("0"), total_due=Decimal("1066.19"), principal_outstanding=Decimal("11000"),
                          sent_by="policy", collector=None)
    return events + [make_event("origination", data, subject=submitted.subject, businessdate=submitted.businessdate)
                     for data in (amended, unchanged)] + [
        make_event("collections", letter, subject=opened.subject, businessdate=opened.businessdate)]


def test_every_event_of_a_busy_story_projects_the_same_rows_without_pydantic():
    events = _busy_story()
    assert set(SPEC) <= {e.type for e in events}
    produced: set[str] = set()
    for event in events:
        fast, slow = _both_ways(event.to_json_bytes())
        assert fast == slow, event.type
        produced |= fast.keys()
    assert produced == set(COLUMNS)  # every read-model table got rows


def test_every_spec_row_fills_its_table_s_columns():
    for event_type, rows in SPEC.items():
        for row in rows:
            assert len(row.columns) == len(COLUMNS[row.table]), (event_type, row.table)


def test_a_synthetic_book_with_whole_yuan_amounts_projects_the_same_rows():
    # The bench's book writes "30000" where the services write "30000.00": both store 30000.00.
    raws = [value for _, _, value in loan_book(3_000)]
    types = set()
    for raw in raws:
        fast, slow = _both_ways(raw)
        assert fast == slow
        types.add(orjson.loads(raw)["type"])
    assert {"loan.disbursed", "loan.schedule.created", "loan.payment.received", "collections.case.opened"} <= types
    disbursed = next(r for r in raws if b'"loan.disbursed"' in r)
    loan_row = project_envelope(orjson.loads(disbursed), disbursed)[1]["loans"][0]
    assert loan_row[3].endswith(".00")


def test_personal_data_is_masked_on_the_fast_path_too():
    submitted = next(e for _, e in scripted_portfolio().events if e.type == "loan.application.submitted")
    env = orjson.loads(submitted.to_json_bytes())
    env["data"]["note"] = "borrower called from 13812345678"
    raw = orjson.dumps(env)
    fast, slow = _both_ways(raw)
    assert fast == slow
    assert "13812345678" not in fast["events"][0] and "138****5678" in fast["events"][0]


@pytest.mark.parametrize("change", [
    lambda env: env.update(dataschemaversion=0),                    # an old version: parse_data upcasts it
    lambda env: env["data"].update(principal=12345.5),              # a float amount: the model refuses it
    lambda env: env["data"].pop("application_id"),                  # a required field missing
    lambda env: env["data"].update(product="payday"),               # not one of the model's products
    lambda env: env.update(businessdate="2026-02-30"),              # not a date
    lambda env: env["data"]["borrower"].update(name=None),          # a nested field of the wrong type
    lambda env: env["data"].update(borrower=None),                  # a required part null
    lambda env: env["data"].update(borrower=[env["data"]["borrower"]]),  # a list where the model has one part
    lambda env: env["data"].update(term_months=True),               # a bool is not an int to the reader
])
def test_anything_unexpected_goes_back_to_the_models(change):
    disbursed = next(e for _, e in scripted_portfolio().events if e.type == "loan.disbursed")
    env = orjson.loads(disbursed.to_json_bytes())
    change(env)
    with pytest.raises(NeedsModel):
        project_envelope(env)


def test_text_needing_escapes_reaches_copy_escaped():
    contact = next(e for _, e in scripted_portfolio().events if e.type == "collections.contact.logged")
    env = orjson.loads(contact.to_json_bytes())
    env["data"]["outcome"] = "said\t\"no\"\\nothing\nmore"
    row = copy_lines(project_envelope(env)[1])["contacts"][0]
    assert "\n" not in row and row.count("\t") == len(COLUMNS["contacts"]) - 1
    assert "said\\t\"no\"\\\\nothing\\nmore" in row
