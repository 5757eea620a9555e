"""Champion/challenger (issue 17): the split by case id is stable and near the share; a case keeps its arm."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import yaml

from loanflow.testing import running
from services.collections.adapters.policy_file import PolicyFileError
from services.collections.bootstrap import create_app, load_arms
from services.collections.config import DEFAULT_POLICY, CollectionsSettings
from services.collections.domain.arms import PolicyArms, arm_for, draw
from shared.clock import FixedClock
from shared.contracts import collections as ev
from shared.contracts.registry import upcast
from tests.collections.conftest import MORNING, Desk

IDS = [f"L-2026-{n:05d}-E1" for n in range(10_000)]


@pytest.mark.parametrize("share", [0.05, 0.1, 0.25, 0.5, 0.9])
def test_the_split_over_10000_case_ids_is_within_one_and_a_half_points_of_the_share(share):
    challengers = sum(arm_for(case_id, share) == "challenger" for case_id in IDS)
    assert abs(challengers / len(IDS) - share) <= 0.015


def test_the_split_is_stable_and_a_larger_share_only_adds_challengers():
    assert [arm_for(i, 0.3) for i in IDS] == [arm_for(i, 0.3) for i in IDS]
    assert all(0.0 <= draw(i) < 1.0 for i in IDS)
    # sha256 of the id: the same on any machine and any run (these are its first 8 bytes over 2**64)
    assert draw("L-2026-0042-E1") == int(hashlib.sha256(b"L-2026-0042-E1").hexdigest()[:16], 16) / 2**64
    small = {i for i in IDS if arm_for(i, 0.1) == "challenger"}
    large = {i for i in IDS if arm_for(i, 0.2) == "challenger"}
    assert small < large
    assert {arm_for(i, 0.0) for i in IDS} == {"champion"} and {arm_for(i, 1.0) for i in IDS} == {"challenger"}


def write_challenger(tmp_path: Path, version: str = "challenger-1") -> Path:
    """The champion's file with its own version, the first-contact rule sending a letter at once."""
    policy = yaml.safe_load(DEFAULT_POLICY.read_text(encoding="utf-8"))
    policy["version"] = version
    first = next(r for r in policy["rules"] if r["id"] == "front-first-contact")
    first["then"] = [{"type": "assign_queue", "queue": "front"},
                     {"type": "send_letter", "template": "reminder", "registered": False}]
    path = tmp_path / "challenger.yaml"
    path.write_text(yaml.safe_dump(policy, allow_unicode=True), encoding="utf-8")
    return path


def test_a_challenger_is_validated_at_start_and_needs_its_own_version(tmp_path):
    arms = load_arms(CollectionsSettings(challenger_policy=write_challenger(tmp_path), challenger_share=0.1))
    assert (arms.champion.version, arms.challenger and arms.challenger.version) == ("2026-11-28.1", "challenger-1")
    with pytest.raises(PolicyFileError, match="same version"):
        load_arms(CollectionsSettings(challenger_policy=write_challenger(tmp_path, "2026-11-28.1"),
                                      challenger_share=0.1))
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: x\nrules:\n  - {id: a, triggers: [case_opened], then: [{type: fly}]}\n")
    with pytest.raises(PolicyFileError, match="invalid"):
        load_arms(CollectionsSettings(challenger_policy=bad, challenger_share=0.1))
    with pytest.raises(ValueError):
        PolicyArms(arms.champion, arms.challenger, 1.5)


def test_without_a_challenger_every_new_case_is_a_champion_case():
    arms = load_arms(CollectionsSettings(challenger_share=1.0))
    assert {arms.arm_for_new_case(i) for i in IDS[:500]} == {"champion"}
    assert arms.policy("challenger") is arms.champion  # after a promotion: recorded arm stays, champion decides


def test_old_events_upcast_to_the_champion_arm():
    opened = upcast("collections.case.opened", 1, {"case_id": "L1-E1", "loan_id": "L1", "stage": "front",
                                                   "days_past_due": 1, "amount_overdue": "10.00",
                                                   "opened_on": "2026-04-21"})
    assert ev.CaseOpened.model_validate(opened).arm == "champion"
    decided = ev.PolicyDecided.model_validate(upcast("collections.policy.decided", 1, {
        "case_id": "L1-E1", "loan_id": "L1", "policy_version": "2026-11-28.1", "rule_id": "r", "actions": [],
        "trigger": "case_opened"}))
    assert (decided.arm, decided.policy_version) == ("champion", "2026-11-28.1")
    unversioned = upcast("collections.policy.decided", 1, {"case_id": "L1-E1", "loan_id": "L1", "policy_version": "",
                                                           "rule_id": "r", "actions": [], "trigger": "t"})
    assert unversioned["policy_version"] == "unknown"


def decided_on(events, loan_id):
    return [(e.data["rule_id"], e.data["arm"], e.data["policy_version"]) for e in events
            if e.type == "collections.policy.decided" and e.subject == loan_id]


async def test_a_case_keeps_its_arm_after_the_share_changes(platform, _drop_platform_dbs, servicing, tmp_path):
    """Opened while the challenger takes every new case; the share drops to 0; its later decisions stay challenger."""
    challenger = write_challenger(tmp_path)
    app = create_app(CollectionsSettings(challenger_policy=challenger, challenger_share=1.0), platform,
                     FixedClock(MORNING))
    async with running(app) as client:
        desk = Desk(app, client, app.state.collections.clock, platform)
        await servicing.missed("A1", dpd=1)
        case = await desk.case_of("A1")
        first = await desk.published(lambda es: decided_on(es, "A1"))
    assert decided_on(first, "A1") == [("front-first-contact", "challenger", "challenger-1")]

    app = create_app(CollectionsSettings(challenger_policy=challenger, challenger_share=0.0), platform,
                     FixedClock(MORNING))
    async with running(app) as client:
        desk = Desk(app, client, app.state.collections.clock, platform)
        await servicing.missed("A2", dpd=1)
        await servicing.missed("A1", dpd=31)
        view = await desk.until(case["case_id"], lambda v: v["stage"] == "mid")
        assert view["arm"] == "challenger"
        events = await desk.published(lambda es: len(decided_on(es, "A1")) >= 2 and decided_on(es, "A2"))
    assert decided_on(events, "A2") == [("front-first-contact", "champion", "2026-11-28.1")]
    assert {(arm, version) for _, arm, version in decided_on(events, "A1")} == {("challenger", "challenger-1")}
    assert "mid-registered-letter" in {rule for rule, _, _ in decided_on(events, "A1")}
    opened = {e.subject: e.data["arm"] for e in events if e.type == "collections.case.opened"}
    assert opened == {"A1": "challenger", "A2": "champion"}
