"""What-if replay (issue 17): events/s replaying a recorded collections history through a candidate policy,
beside the raw read of the same events in the same run.

The history: case streams made by the collections case aggregate under the shipped policy (open →
decisions; a promise broken twice → serial promiser → policy escalation, letter and visit; DPD 95 →
back; some cured), written to a fresh collections event store (~100,000 events by default).
Baseline `raw_read`: one `SELECT stream_id, envelope FROM events ORDER BY stream_id, version`
fetched whole (the jsonb decoded by the connection's codec). Ours `whatif_replay`:
`service_layer.whatif.replay_period`, what the CLI runs: the same events read (the fields the replay
needs, the data decoded by orjson and the decoder derived from the contract models, pydantic only
for what it cannot read) and `domain.whatif.replay` of the champion (in memory: each case follows
its record while the candidate decides as recorded, else is re-decided), timed together.
The replay of the champion must reproduce the recorded decisions (`faithful` in the notes).
"""

from __future__ import annotations

import time
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from bench.support import fresh_database, pick, rate, ratio, run_alone
from services.collections.adapters.policy_file import load_policy
from services.collections.config import DEFAULT_POLICY
from services.collections.domain.case import Case
from services.collections.domain.policy import Policy
from services.collections.domain.state import CaseRules
from services.collections.domain.whatif import replay
from services.collections.service_layer.whatif import recorded_streams, replay_period
from shared.contracts import CloudEvent, make_event
from shared.db import connect

TARGETS = {"whatif_vs_raw_read": 0.3}
START = date(2026, 1, 1)


def _save(case: Case, policy: Policy, day: date, step: str, out: list[tuple[str, int, CloudEvent]],
          version: int) -> int:
    """Decide (the policy) and keep the case's new events as the store would number them; the new version."""
    case.apply_policy(policy, day)
    for e in case.pending.events:
        version += 1
        out.append((f"case-{case.state.case_id}", version,
                    make_event("collections", e, subject=case.state.loan_id, businessdate=day,
                               correlationid=f"{case.state.case_id}-{step}")))
    case.pending.events, case.pending.triggers = [], []
    return version


def history(events: int, policy: Policy, rules: CaseRules) -> list[tuple[str, int, CloudEvent]]:
    """(stream id, version, event) of case streams until about `events` events."""
    out: list[tuple[str, int, CloudEvent]] = []
    n = 0
    while len(out) < events:
        n += 1
        loan, opened_on = f"L{n:07d}", START + timedelta(days=n % 60)
        case = Case.open(case_id=f"{loan}-E1", loan_id=loan, episode=1, days_past_due=1,
                         overdue_since=opened_on - timedelta(days=1), amount_overdue=Decimal("1066.19"),
                         principal_outstanding=Decimal("11000.00"), business_date=opened_on, rules=rules)
        version = _save(case, policy, opened_on, "open", out, 0)
        for k in range(2 if n % 3 else 0):  # two of three cases break two promises
            made = opened_on + timedelta(days=2 + 5 * k)
            case.actions.make_promise(promise_id=f"{loan}-p{k}", amount=Decimal("500.00"),
                                      promised_date=made + timedelta(days=3), collector="collector-f1",
                                      business_date=made)
            version = _save(case, policy, made, f"promise{k}", out, version)
            case.close_day(made + timedelta(days=4))
            version = _save(case, policy, made + timedelta(days=4), f"close{k}", out, version)
        if n % 4 == 0:
            case.observe_missed(days_past_due=95, overdue_since=opened_on - timedelta(days=1),
                                amount_overdue=Decimal("4200.00"), principal_outstanding=Decimal("11000.00"))
            _save(case, policy, opened_on + timedelta(days=94), "back", out, version)
    return out


async def run(pg_url: str, kafka_bootstrap: str, size: str) -> dict[str, Any]:
    count = pick(size, tiny=500, default=100_000, large=400_000)
    policy, rules = load_policy(DEFAULT_POLICY), CaseRules()
    made = time.perf_counter()
    events = history(count, policy, rules)
    made = time.perf_counter() - made
    async with fresh_database(pg_url, "whatif") as dsn:
        conn = await connect(dsn)
        try:
            await conn.executemany(
                "INSERT INTO events (stream_id, version, event_id, type, envelope) VALUES ($1, $2, $3, $4, $5::jsonb)",
                [(s, v, e.id, e.type, e.model_dump(mode="json")) for s, v, e in events])
            await conn.execute("ANALYZE events")
            end = START + timedelta(days=400)
            raw: list[float] = []
            ours: list[float] = []
            faithful = True
            for _ in range(3):  # alternate; each side's best of three
                started = time.perf_counter()
                rows = await conn.fetch("SELECT stream_id, envelope FROM events ORDER BY stream_id, version")
                raw.append(time.perf_counter() - started)
                assert len(rows) == len(events)
                del rows
                started = time.perf_counter()
                result = await replay_period(conn, policy, rules, START, end)
                ours.append(time.perf_counter() - started)
                if not result.recorded:
                    raise RuntimeError("the replay read no recorded decisions: it measured nothing")
                faithful = faithful and result.candidate == result.recorded
            # untimed: every case re-decided through the aggregate (no following of the record) must agree
            redecided = replay(await recorded_streams(conn, START, end), policy, rules, end, START,
                               follow_record=False)
            faithful = faithful and redecided.candidate == redecided.recorded == result.candidate
        finally:
            await conn.close()
    raw_rate, our_rate = rate(len(events), min(raw)), rate(len(events), min(ours))
    return {"scenario": "whatif",
            "figures": {"whatif_replay": {"events": len(events), "events_per_s": our_rate, "seconds": min(ours),
                                          "decisions": len(result.candidate)}},
            "baseline": {"raw_read": {"events": len(events), "events_per_s": raw_rate, "seconds": min(raw)}},
            "ratios": {"whatif_vs_raw_read": ratio(our_rate, raw_rate)},
            "targets": TARGETS,
            "notes": f"history of {len(events)} events made in {made:.1f} s; champion replay "
                     f"{'faithful' if faithful else 'NOT faithful'} (candidate decisions == recorded, following "
                     f"the record and, untimed, re-deciding every case through the aggregate); best of 3"}


if __name__ == "__main__":
    raise SystemExit(run_alone(run, __doc__ or ""))
