"""The published JSON Schemas are exactly what the models say; every type is covered."""

from __future__ import annotations

import json

from shared.contracts import all_event_types
from shared.contracts.export import SCHEMA_DIR, render, schemas

CONTRACT_TYPES = [
    "loan.application.submitted", "loan.application.reviewed", "loan.application.approved",
    "loan.application.rejected", "loan.disbursed", "loan.payment.due", "loan.payment.received",
    "loan.payment.missed", "loan.charge.applied", "loan.paid_off", "loan.written_off",
    "collections.case.opened", "collections.case.assigned", "collections.case.escalated",
    "collections.contact.logged", "collections.promise.made", "collections.promise.kept",
    "collections.promise.broken", "collections.case.resolved",
]


def test_every_contract_event_type_has_a_model():
    registered = all_event_types()
    missing = [t for t in CONTRACT_TYPES if t not in registered]
    assert missing == []


def test_committed_schemas_match_the_models():
    wanted = schemas()
    committed = {p.name: p.read_text() for p in SCHEMA_DIR.glob("*.json")}
    assert sorted(committed) == sorted(wanted), "run: python -m shared.contracts.export"
    drifted = [name for name, schema in wanted.items() if committed[name] != render(schema)]
    assert drifted == [], f"schemas drifted from models ({drifted}); run: python -m shared.contracts.export"


def test_schemas_name_their_version():
    for name, text in ((p.name, p.read_text()) for p in SCHEMA_DIR.glob("loan*.json")):
        schema = json.loads(text)
        assert name.endswith(f".v{schema['x-version']}.json")
