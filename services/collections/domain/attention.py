"""The next business day on which day-close can change a case beyond counting its DPD up."""

from __future__ import annotations

from datetime import date, timedelta

from services.collections.domain import statute
from services.collections.domain.policy import Policy
from services.collections.domain.state import CaseRules, CaseState


def next_attention(state: CaseState, rules: CaseRules, policy: Policy) -> date:
    """The earliest day-close that may escalate, judge a promise, warn of the statute, recall a placement or
    fire a day rule.

    Until then, day-close only counts the case's days past due up, which is done in bulk.
    """
    if state.status != "open":
        return date.max
    since = state.overdue_since
    days: list[date] = []
    bound = {"front": rules.bounds.front_max, "mid": rules.bounds.mid_max}.get(state.stage)
    if bound is not None:
        days.append(since + timedelta(days=bound + 1))
    days += [p.deadline(rules.promise_grace_days) + timedelta(days=1) for p in state.promises if p.status == "open"]
    days += [p.recall_on + timedelta(days=1) for p in state.placements if p.status == "active"]  # recalled then
    if not state.statute_expired:
        expiry = statute.expires_on(state.statute_runs_from, rules.statute_years)
        days.append(expiry if state.statute_warned else expiry - timedelta(days=rules.statute_warn_days))
    for rule in policy.rules:
        if "day_closed" not in rule.triggers or (rule.once and rule.id in state.fired_rules):
            continue
        days.append(since + timedelta(days=rule.when.dpd_min) if rule.when.dpd_min is not None else date.min)
    return min(days, default=date.max)
