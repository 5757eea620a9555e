"""Export the JSON Schema of every event type's `data` to shared/contracts/schemas/.

Run `python -m shared.contracts.export` after changing a contract; a test fails when the
committed schemas and the models drift apart.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from shared.contracts import CloudEvent, all_event_types

SCHEMA_DIR = Path(__file__).parent / "schemas"


def schemas() -> dict[str, dict[str, Any]]:
    """File name -> JSON Schema, for every event type (current version) and the envelope."""
    out: dict[str, dict[str, Any]] = {"cloudevent.envelope.json": CloudEvent.model_json_schema(mode="serialization")}
    for event_type, model in sorted(all_event_types().items()):
        if not model.__module__.startswith("shared.contracts."):
            continue  # types registered by tests or plugins are not published contracts
        schema = model.model_json_schema(mode="validation")
        schema["$id"] = f"https://loanflow.example/schemas/{event_type}.v{model.class_version}.json"
        schema["x-event-type"] = event_type
        schema["x-version"] = model.class_version
        out[f"{event_type}.v{model.class_version}.json"] = schema
    return out


def render(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main() -> int:
    SCHEMA_DIR.mkdir(exist_ok=True)
    wanted = schemas()
    for stale in SCHEMA_DIR.glob("*.json"):
        if stale.name not in wanted:
            stale.unlink()
    for name, schema in wanted.items():
        (SCHEMA_DIR / name).write_text(render(schema))
    print(f"wrote {len(wanted)} schemas to {SCHEMA_DIR}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
