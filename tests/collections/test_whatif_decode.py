"""The what-if's pydantic-free decoder gives exactly what `parse_data` gives (pure): over a recorded history of
every kind the bench makes, for each collections event type's own examples, and through the model for anything
it is not sure of (an older version, another format)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import orjson
import pytest
from pydantic import ValidationError

from bench.scenarios.whatif import history
from services.collections.adapters.policy_file import load_policy
from services.collections.config import DEFAULT_POLICY
from services.collections.domain import whatif_decode as wd
from services.collections.domain.state import CaseRules
from shared.contracts import collections as ev
from shared.contracts import parse_data
from shared.contracts.registry import all_event_types

IDS = {"case_id": "C1", "loan_id": "L1"}


def same(decoded, parsed) -> None:
    assert type(decoded) is type(parsed) and decoded == parsed
    assert decoded.model_dump() == parsed.model_dump() and decoded.model_fields_set == parsed.model_fields_set
    for name in type(parsed).model_fields:
        assert type(getattr(decoded, name)) is type(getattr(parsed, name)), name


def test_every_event_of_a_recorded_history_decodes_as_parse_data_does():
    events = history(3000, load_policy(DEFAULT_POLICY), CaseRules())
    kinds = set()
    for _, _, event in events:
        wire = orjson.loads(orjson.dumps(event.model_dump(mode="json")))  # as the store gives it back
        same(wd.decode(wire["type"], wire["dataschemaversion"], wire["data"]), parse_data(event))
        kinds.add(event.type)
    assert {"collections.case.opened", "collections.policy.decided", "collections.promise.broken",
            "collections.letter.sent", "collections.case.escalated"} <= kinds


EXAMPLES = [
    ev.ContactLogged(**IDS, contact_id="x", channel="visit", outcome="met_borrower", collector="li",
                     contacted_at=datetime.fromisoformat("2026-04-22T02:00:00+00:00"), target_kind="borrower",
                     reason="job_loss", valid_visit=True, visit_target=25),
    ev.CaseResolved(**IDS, resolution="cured", resolved_on=date(2026, 5, 1), stage="front"),
    ev.RecoveryAttributed(**IDS, payment_id="p1", collector="li", amount=Decimal("100.50"),
                          commission=Decimal("2.01")),
    ev.SpecialStatusChanged(**IDS, status="fraud", previous="none", changed_by="wu"),
    ev.CaseTagged(**IDS, behaviour="serial_promiser", tagged_by="system"),
    ev.ContactLogged(**IDS, contact_id="y", channel="phone", outcome="promise", collector="li",
                     contacted_at=datetime.fromisoformat("2026-04-22T02:00:00Z"),
                     recording=ev.Recording(uri="https://recordings.example/calls/y.wav", duration_s=Decimal("61.5"),
                                            sha256="AB" * 32)),  # a nested model: pydantic for that field
    ev.PlacementMade(**IDS, placement_id="pl1", agency="华信", fee_rate=Decimal("0.15"), placed_on=date(2026, 5, 1),
                     recall_on=date(2026, 8, 1), placed_balance=Decimal("1200.00"), placed_by="policy"),
]


@pytest.mark.parametrize("data", EXAMPLES, ids=lambda d: d.event_type)
def test_each_kind_decodes_as_parse_data_does(data):
    wire = orjson.loads(orjson.dumps(data.to_data()))
    decoded = wd.decode(data.event_type, data.class_version, wire)
    same(decoded, data.model_validate(wire))


def test_every_collections_type_has_a_derived_decoder():
    types = [t for t in all_event_types() if t.startswith("collections.")]
    assert types and [t for t in types if wd.decoder_for(t) is None] == []


def test_what_it_is_not_sure_of_goes_through_the_model():
    opened = {**IDS, "stage": "front", "days_past_due": 2, "amount_overdue": "1066", "opened_on": "2026-04-22",
              "episode": 1}
    decoded = wd.decode("collections.case.opened", 2, opened)  # "1066": not the contract's two-decimal text
    assert decoded.amount_overdue == Decimal("1066.00") and str(decoded.amount_overdue) == "1066.00"
    v1 = wd.decode("collections.policy.decided", 1, {**IDS, "policy_version": "p", "rule_id": "r", "actions": [],
                                                     "trigger": "case_opened"})
    assert v1.arm == "champion", "an older version is upcast by the model path"
    with pytest.raises(wd.NeedsModel):
        wd.decoder_for("collections.case.opened")({**opened, "amount_overdue": 1066.5})
    with pytest.raises(ValidationError, match="float"):
        wd.decode("collections.case.opened", 2, {**opened, "amount_overdue": 1066.5})  # a float: the model refuses
