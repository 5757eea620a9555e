"""What-if replay, pure: following the record where the candidate decides as recorded gives exactly what
re-deciding every case through the aggregate gives — for the champion and for challengers that change a
rule at opening, drop the serial-promiser escalation, or escalate on the first broken promise (cases then
diverge mid-stream and are re-decided)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import yaml

from bench.scenarios.whatif import START, history
from services.collections.adapters.policy_file import load_policy
from services.collections.config import DEFAULT_POLICY
from services.collections.domain import whatif
from services.collections.domain.state import CaseRules
from services.collections.domain.whatif import Recorded, replay
from shared.contracts import parse_data
from tests.collections.test_arms import write_challenger

END = START + timedelta(days=400)


@pytest.fixture(scope="module")
def streams() -> list[list[Recorded]]:
    by_stream: dict[str, list[Recorded]] = {}
    for stream, _, event in history(4000, load_policy(DEFAULT_POLICY), CaseRules()):
        by_stream.setdefault(stream, []).append(Recorded(parse_data(event), event.businessdate, event.correlationid))
    return list(by_stream.values())


def edited(tmp_path: Path, name: str, edit) -> Path:
    policy = yaml.safe_load(DEFAULT_POLICY.read_text(encoding="utf-8"))
    policy["version"] = name
    edit(policy["rules"])
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(policy, allow_unicode=True), encoding="utf-8")
    return path


def without_serial_escalation(rules: list[dict]) -> None:
    rules[:] = [r for r in rules if r["id"] != "serial-promiser-escalation"]


def escalate_on_first_broken_promise(rules: list[dict]) -> None:
    call = next(r for r in rules if r["id"] == "broken-promise-call")
    call["then"] = [*call["then"], {"type": "escalate_stage"}]


def test_the_champion_follows_the_record_and_re_deciding_gives_the_same(streams, monkeypatch):
    followed = replay(streams, load_policy(DEFAULT_POLICY), CaseRules(), END, START)
    redecided = replay(streams, load_policy(DEFAULT_POLICY), CaseRules(), END, START, follow_record=False)
    assert followed.candidate == redecided.candidate == redecided.recorded == followed.recorded
    assert len(followed.candidate) > 1000
    calls = []
    monkeypatch.setattr(whatif, "_redecide", lambda *a: calls.append(a))
    replay(streams, load_policy(DEFAULT_POLICY), CaseRules(), END, START)
    assert calls == [], "no case of the champion is re-decided: each followed its record"


@pytest.mark.parametrize("change", ["letter_at_opening", "no_serial_escalation", "escalate_on_first_broken"])
def test_a_challenger_gives_the_same_decisions_following_or_re_deciding(streams, tmp_path, change):
    path = {"letter_at_opening": lambda: write_challenger(tmp_path),
            "no_serial_escalation": lambda: edited(tmp_path, "c-no-serial", without_serial_escalation),
            "escalate_on_first_broken": lambda: edited(tmp_path, "c-first", escalate_on_first_broken_promise)}[change]()
    candidate = load_policy(path)
    followed = replay(streams, candidate, CaseRules(), END, START)
    redecided = replay(streams, candidate, CaseRules(), END, START, follow_record=False)
    assert followed.candidate == redecided.candidate
    assert followed.candidate != followed.recorded, "the challenger decides otherwise somewhere"
