"""What collections records of a borrower is sealed with the borrower's data key (issue 16), pure: the case
records its trace findings, notes and complaints sealed; the topic gets only the masked form of a field
masked on publish; once the key is destroyed nothing more is recorded; a loan from before data keys records
plain."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from functools import partial
from zoneinfo import ZoneInfo

import pytest

from services.collections.adapters.sealing import BorrowerKey, KeyUnavailable, seal_event
from services.collections.domain.case import Case
from services.collections.domain.contact_points import all_points
from services.collections.domain.contact_policy import ContactPolicy
from services.collections.domain.history import evolve
from services.collections.domain.state import CaseRules, CaseState
from shared.contracts import collections as ev
from shared.contracts.collections import mask_point_value
from shared.contracts.registry import public_data
from shared.datakeys import DataKey, is_sealed, open_tree
from shared.errors import Conflict
from shared.pii import mask_text

AT = datetime(2026, 4, 22, 10, tzinfo=ZoneInfo("Asia/Shanghai"))
DAY = date(2026, 4, 22)
KEY = DataKey.generate()
IDS = {"case_id": "L1-E1", "loan_id": "L1"}


def finding(value: str = "13612345678", kind: str = "phone") -> ev.ContactPointAdded:
    return ev.ContactPointAdded(**IDS, point_id="cp-1", kind=kind, value=value, relation="borrower",  # type: ignore[arg-type]
                                source="trace", added_by="li")


def opened(borrower: BorrowerKey) -> Case:
    """A case of a loan whose file is sealed with KEY (or plain), its collector li, its sealer set as the
    service layer sets it."""
    case = Case.open(case_id="L1-E1", loan_id="L1", episode=1, days_past_due=2, overdue_since=date(2026, 4, 20),
                     amount_overdue=Decimal("1066.19"), principal_outstanding=Decimal("11000.00"),
                     business_date=DAY, rules=CaseRules())
    case.assign("li", by="routing", on=DAY)
    case.pending.events = []
    case.sealer = partial(seal_event, borrower=borrower)
    return case


def test_a_trace_finding_is_sealed_in_two_parts_and_the_topic_keeps_only_the_masked_one():
    sealed = seal_event(finding(), BorrowerKey(KEY.key_id, KEY))
    assert is_sealed(sealed.value) and "13612345678" not in sealed.model_dump_json()
    assert KEY.open(sealed.value) == "13612345678"  # the store: the full value, for collections
    published = public_data(sealed.event_type, sealed.to_data())
    assert is_sealed(published["value"]) and KEY.open(published["value"]) == "136****5678"  # the topic: masked
    address = seal_event(finding("上海市浦东新区张江路100弄5号", "address"), BorrowerKey(KEY.key_id, KEY))
    assert KEY.open(public_data(address.event_type, address.to_data())["value"]) == "上海市浦东新****"


def test_notes_are_sealed_whole_and_published_as_stored():
    logged = ev.ContactLogged(**IDS, contact_id="c1", channel="phone", outcome="no_answer", collector="li",
                              contacted_at=AT, note="他妻子李娜说他搬去了杭州市西湖区文三路5号", target="borrower")
    sealed = seal_event(logged, BorrowerKey(KEY.key_id, KEY))
    assert KEY.open(sealed.note) == logged.note and "." not in sealed.note.rpartition(":")[2]
    assert public_data(sealed.event_type, sealed.to_data()) == sealed.to_data()  # not masked on publish: as before
    complaint = ev.ComplaintOpened(**IDS, complaint_id="k1", category="privacy", description="my number 13612345678",
                                   owner="supervisor:front", opened_by="li", opened_on=DAY, due_on=DAY)
    sealed_complaint = seal_event(complaint, BorrowerKey(KEY.key_id, KEY))
    public = public_data(sealed_complaint.event_type, sealed_complaint.to_data())["description"]
    assert KEY.open(public) == mask_text("my number 13612345678") == "my number 136****5678"
    assert KEY.open(sealed_complaint.description) == "my number 13612345678"


def test_a_status_code_stays_readable_and_a_written_reason_is_sealed():
    def changed(reason: str) -> ev.ContactPointStatusChanged:
        return ev.ContactPointStatusChanged(**IDS, point_id="cp-1", kind="phone", relation="borrower", source="trace",
                                            status="invalid", previous="unknown", changed_by="li", reason=reason)
    assert seal_event(changed("wrong_number"), BorrowerKey(KEY.key_id, KEY)).reason == "wrong_number"
    assert KEY.open(seal_event(changed("房东说他上月搬走"), BorrowerKey(KEY.key_id, KEY)).reason) == "房东说他上月搬走"


def test_events_without_personal_fields_and_loans_from_before_data_keys_are_recorded_as_given():
    promise = ev.PromiseMade(**IDS, promise_id="p1", amount=Decimal("100.00"), promised_date=DAY, collector="li")
    assert seal_event(promise, BorrowerKey(KEY.key_id, None, erased=True)) is promise
    plain = finding()
    assert seal_event(plain, BorrowerKey(None)) is plain  # a plaintext loan.disbursed: no borrower key
    no_note = ev.ContactLogged(**IDS, contact_id="c1", channel="phone", outcome="no_answer", collector="li",
                               contacted_at=AT)
    assert seal_event(no_note, BorrowerKey(KEY.key_id, None, erased=True)) is no_note


def test_once_the_key_is_destroyed_personal_data_is_refused_and_while_unreachable_too():
    with pytest.raises(Conflict) as erased:
        seal_event(finding(), BorrowerKey(KEY.key_id, None, erased=True))
    assert erased.value.code == "borrower_erased" and erased.value.status == 409
    with pytest.raises(KeyUnavailable) as unreachable:
        seal_event(finding(), BorrowerKey(KEY.key_id, None))
    assert unreachable.value.status == 503


def test_a_letter_to_an_origination_address_gets_its_masked_public_part():
    home = KEY.seal("上海市浦东新区张江路100弄5号")  # as origination sealed it: one part, the full address
    letter = ev.LetterSent(**IDS, letter_id="lt1", template="reminder", registered=False, address=home,
                           address_point_id="borrower-home", sent_on=DAY, pay_by=DAY, days_past_due=2,
                           overdue_since=DAY, amount_overdue=Decimal("1"), penalty=Decimal("0"), fees=Decimal("0"),
                           total_due=Decimal("1"), principal_outstanding=Decimal("1"), sent_by="li")
    sealed = seal_event(letter, BorrowerKey(KEY.key_id, KEY))
    assert KEY.open(sealed.address) == "上海市浦东新区张江路100弄5号"
    assert KEY.open(public_data(sealed.event_type, sealed.to_data())["address"]) == "上海市浦东新****"
    other = DataKey.generate()  # sealed with a key not the borrower's: left as it is
    assert seal_event(letter, BorrowerKey(other.key_id, other)).address == home


def test_the_case_state_holds_what_its_events_hold_sealed():
    """Sealed as the case records it, before it is applied: the case row and a fold of the stream agree."""
    case = opened(BorrowerKey(KEY.key_id, KEY))
    case.reach.add_point(point_id="cp-1", kind="phone", value="13612345678", relation="borrower", source="trace",
                         by="li", points=[])
    case.reach.log_contact(contact_id="c1", channel="phone", outcome="dispute", collector="li", at=AT, local_now=AT,
                           business_date=DAY, note="王芳说账不对", target="borrower", reason=None,
                           policy=ContactPolicy(), recent_calls=[],
                           points=open_tree(all_points(case.state.contact_points, None), {KEY.key_id: KEY}))
    text = case.state.model_dump_json() + "".join(e.model_dump_json() for e in case.pending.events)
    for plain in ("13612345678", "王芳说账不对"):
        assert plain not in text
    [point] = case.state.contact_points
    assert KEY.open(point.value) == "13612345678" and mask_point_value(point.value) != point.value
    assert KEY.open(case.state.dispute["reason"]) == "王芳说账不对"  # the dispute the contact raised, sealed too
    folded = CaseState.model_validate(case.state.model_dump(include={"case_id", "loan_id", "episode", "episode_key",
                                                                     "overdue_since", "opened_on",
                                                                     "statute_runs_from"}))
    for event in case.pending.events:
        evolve(folded, event, DAY, case.rules)
    assert folded.contact_points == case.state.contact_points


def test_nothing_is_recorded_for_an_erased_borrower():
    case = opened(BorrowerKey(KEY.key_id, None, erased=True))
    with pytest.raises(Conflict):
        case.reach.add_point(point_id="cp-1", kind="phone", value="13612345678", relation="borrower",
                             source="trace", by="li", points=[])
    assert case.state.contact_points == [] and case.pending.events == []


def test_the_policys_sealer_only_gives_a_sealed_address_its_masked_part_and_refuses_nothing():
    """What the policy records on a consumer's path: its own words stay as given, nothing is refused."""
    lenient = BorrowerKey(KEY.key_id, KEY, lenient=True)
    status = ev.SpecialStatusChanged(**IDS, status="unreachable", previous="none", changed_by="policy",
                                     note="borrower moved: trace through contacts")
    assert seal_event(status, lenient) is status
    assert seal_event(status, BorrowerKey(KEY.key_id, None, erased=True, lenient=True)) is status
    home = KEY.seal("上海市浦东新区张江路100弄5号")
    letter = ev.LetterSent(**IDS, letter_id="lt1", template="demand_notice", registered=True, address=home,
                           sent_on=DAY, pay_by=DAY, days_past_due=31, overdue_since=DAY, amount_overdue=Decimal("1"),
                           penalty=Decimal("0"), fees=Decimal("0"), total_due=Decimal("1"),
                           principal_outstanding=Decimal("1"), sent_by="policy")
    published = public_data(letter.event_type, seal_event(letter, lenient).to_data())
    assert KEY.open(published["address"]) == "上海市浦东新****"
