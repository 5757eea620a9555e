"""A loan officer's applications waiting for them (pure, no I/O): which open applications' next step is
the signed-in person's to take, so /applications shows those first instead of the whole book oldest first.

The next step of an application under review is its next review stage (the stage's role takes it); of an
approved one, the field investigation (team manager) or the re-check and disbursement (credit manager, or
admin), as origination's `next_step` says. DOMAIN.md §1, segregation of duties: the client manager who filed
an application does not review it after the first stage, one person reviews at most one stage, and the
team manager who investigated it does not give the final approval — an application the person may not act
on is not theirs to wait for.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

OPEN = ("submitted", "under_review", "approved")
ACTION_ROLES = {"investigation": ("team_manager",), "disbursement": ("credit_manager", "admin")}


@dataclass(frozen=True)
class Waiting:
    """One application whose next step the person takes: `action` review|investigation|disbursement."""

    application: Mapping[str, Any]
    action: str
    stage: str | None = None  # the review stage, for a review


def waiting_for(items: Iterable[Mapping[str, Any]], sub: str, roles: Iterable[str],
                details: Mapping[str, Mapping[str, Any]] | None = None) -> list[Waiting]:
    """The open applications whose next step `sub` (holding `roles`) may take, longest waiting first.

    `items` are origination's list rows (`status`, `next_stage`, `submitted_by`, `updated_at`); `details`
    the full applications of the approved ones by id (their `next_step`, reviews and investigation), since
    the list does not say whether an approved application needs its field investigation first. An approved
    application without its detail is left out rather than guessed.
    """
    held = set(roles)
    details = details or {}
    out: list[Waiting] = []
    for item in items:
        if item.get("status") not in OPEN:
            continue
        detail = details.get(str(item.get("id")))
        step = _step(item, detail)
        if step is None:
            continue
        action, stage = step
        if not held.intersection(ACTION_ROLES.get(action, (stage,))):
            continue
        if not _may_act(item, detail, sub, action, stage):
            continue
        out.append(Waiting(item, action, stage))
    return sorted(out, key=lambda w: (str(w.application.get("updated_at") or ""), str(w.application.get("id"))))


def _step(item: Mapping[str, Any], detail: Mapping[str, Any] | None) -> tuple[str, str | None] | None:
    if item.get("status") != "approved":
        stage = item.get("next_stage")
        return ("review", str(stage)) if stage else None
    nxt = (detail or {}).get("next_step") or {}
    if nxt.get("action") in ACTION_ROLES:
        return str(nxt["action"]), None
    return None


def _may_act(item: Mapping[str, Any], detail: Mapping[str, Any] | None, sub: str, action: str,
             stage: str | None) -> bool:
    """Segregation of duties, as far as the list row (and the detail, when there is one) shows it."""
    if action == "review" and stage != "client_manager" and item.get("submitted_by") == sub:
        return False
    if detail is None:
        return True
    reviewers = {r.get("reviewer"): r.get("stage") for r in detail.get("reviews") or []}
    if action == "review" and sub in reviewers:
        return False
    return not (action == "investigation" and reviewers.get(sub) == "credit_manager")
