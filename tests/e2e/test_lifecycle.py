"""The whole lifecycle through the public APIs of four service processes (DOMAIN.md's stories)."""

from __future__ import annotations

from decimal import Decimal

from loanflow.client import LoanflowClient
from loanflow.demo import run_demo
from loanflow.stories import types_in


async def test_demo_stories_end_to_end(system):
    client = LoanflowClient(system.urls(), system.platform.signing_key())
    try:
        result = await run_demo(client, portfolio=12, seed=3)
    finally:
        await client.close()
    world = result.world
    steps = [s for s, _ in world.log]
    assert "cured: promise kept, case cured" in steps
    case = result.cured["case"]
    assert case["resolution"] == "cured"
    assert [p["status"] for p in case["promises"]] == ["broken", "kept"]
    assert "collections.promise.broken" in types_in(case) and "collections.promise.kept" in types_in(case)
    assert result.legal["case"]["legal_referred"] is True
    assert result.special["fraud"]["queue"] == "fraud"
    timeline = result.reports["timeline"]
    print(timeline)
    print(result.reports["collections"])
    print(result.reports["portfolio"])
    print(result.reports["delinquency"])
    assert Decimal("0") <= Decimal("1")
