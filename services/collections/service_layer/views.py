"""The case as the API shows it: state, borrower, contact points, tactics, statute, timeline."""

from __future__ import annotations

from typing import Any

import asyncpg

from services.collections.adapters import cases as case_rows
from services.collections.adapters import directory
from services.collections.adapters.sealing import SEALED
from services.collections.domain import legal, statute
from services.collections.domain.complaints import Complaint
from services.collections.domain.contact_points import (
    ContactPoint,
    all_points,
    borrower_masked,
    mask_name,
    masked,
)
from services.collections.domain.state import CaseState
from services.collections.domain.tactics import FULL_AMOUNT_RULE, tactic
from services.collections.service_layer.context import Collections
from shared.contracts.collections import mask_point_value
from shared.contracts.registry import all_event_types, model_for, public_data
from shared.datakeys import KeyRing, is_sealed, public_form
from shared.pii import mask_address, mask_text


def summary(state: dict[str, Any], borrower: dict[str, Any] | None = None) -> dict[str, Any]:
    """The list/queue form of a case; `borrower` (the loan directory's name and phone) shown masked."""
    keys = ("case_id", "loan_id", "episode", "status", "stage", "queue", "assignee", "days_past_due",
            "amount_overdue", "special_status", "tags", "broken_promises", "opened_on", "resolution",
            "resolved_on", "last_contact_at", "last_contact_on", "latest_reason", "invalid_address_visits")
    out = {k: state.get(k) for k in keys}
    out["invalid_address_visits"] = out["invalid_address_visits"] or 0
    out["open_complaints"] = sum(1 for c in state.get("complaints", []) if c["status"] == "open")
    out["disputed"] = state.get("dispute") is not None
    open_promise = next((p for p in state.get("promises", []) if p["status"] == "open"), None)
    out["open_promise"] = open_promise
    scheduled = sorted(state.get("scheduled", []), key=lambda a: a["due"])
    out["next_action"] = scheduled[0] if scheduled else None
    if "promise_due" in state:
        out["promise_due"] = state["promise_due"]
    out.update(borrower_masked(borrower))
    return out


async def summaries(ctx: Collections, conn: asyncpg.Connection,
                    rows: list[tuple[dict[str, Any], dict[str, Any] | None]]) -> list[dict[str, Any]]:
    """The list/queue forms of cases; the borrowers' sealed names and phones opened in one key lookup."""
    borrowers = [borrower for _, borrower in rows]
    if ctx.ring is not None:
        borrowers = await ctx.ring.open(conn, borrowers)
    return [summary(state, borrower) for (state, _), borrower in zip(rows, borrowers, strict=True)]


def guidance(state: CaseState) -> dict[str, Any]:
    """DOMAIN.md §3: "debts under two years are recovered about 80% of the time, over two years
    about 20%. Ask for the full amount first." The rule holds for every behaviour type; the notes'
    own words are `rule_zh` (seed line 242) and `rule_en`.
    """
    return {"recovery_odds": "about 80%" if state.days_past_due < 730 else "about 20%",
            "ask_first": f"{state.amount_overdue:.2f}", "rule_zh": FULL_AMOUNT_RULE["zh"],
            "rule_en": FULL_AMOUNT_RULE["en"]}


async def contact_points(conn: asyncpg.Connection, state: CaseState, ring: KeyRing | None = None) -> list[ContactPoint]:
    """Every contact point of the case, unmasked (for decisions): origination's, then trace findings; with the
    key `ring`, their values opened (a finding is compared with the case's points as the collector typed it;
    what the case records of them, a letter's address, is sealed again as it is recorded: Case.sealer)."""
    points = all_points(state.contact_points, await directory.get(conn, state.loan_id))
    if ring is None:
        return points
    values = await ring.open(conn, [p.value for p in points])
    return [p.model_copy(update={"value": v}) for p, v in zip(points, values, strict=True)]


def complaint_view(state: CaseState, complaint: Complaint) -> dict[str, Any]:
    """A complaint as the API shows it, with its case and loan."""
    return {"case_id": state.case_id, "loan_id": state.loan_id, **complaint.model_dump(mode="json")}


HIDDEN = "****"  # a sealed free text (a note, a reason) as a read-only reader sees it
FREE_TEXT = frozenset(f for fields in SEALED.values() for f in fields)  # the fields the case seals


def _masked_person(person: Any) -> Any:
    """A borrower or contact person with every personal field masked: name 张**, phones 138****5678,
    addresses their leading part; an employer's name stays (it is a company)."""
    if not isinstance(person, dict):
        return person
    out = dict(person)
    if isinstance(out.get("name"), str):
        out["name"] = mask_name(out["name"]) or out["name"]
    if isinstance(out.get("phone"), str):
        out["phone"] = mask_point_value(out["phone"])
    if isinstance(out.get("addresses"), dict):
        out["addresses"] = {k: mask_address(v) if isinstance(v, str) else v for k, v in out["addresses"].items()}
    if isinstance(out.get("employer"), dict):
        employer = dict(out["employer"])
        for key in ("address", "phone"):
            if isinstance(employer.get(key), str):
                employer[key] = mask_point_value(employer[key])
        out["employer"] = employer
    return out


def _auditable(value: Any, field: str = "") -> Any:
    """What a read-only reader sees of a value the case recorded: a sealed two-part value its public (masked)
    part, to be opened; a sealed one-part value (a person's free text: notes, reasons) "****", as the topic
    has it; a personal field's plain text (written before sealing) with its phones and ID numbers masked, an
    address masked; other plain values (ids, codes, amounts, dates) as they are."""
    if is_sealed(value):
        return public_form(value) if "." in value.rpartition(":")[2] else HIDDEN
    if isinstance(value, str) and field in FREE_TEXT:
        return mask_address(value) if field == "address" else mask_text(value)
    if isinstance(value, dict):
        return {k: _auditable(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_auditable(v, field) for v in value]
    return value


def _audited_event(event_type: str, data: dict[str, Any]) -> dict[str, Any]:
    """An event's data for a read-only reader: the fields masked on publish as the topic has them, every
    other field through `_auditable`."""
    published = public_data(event_type, data)
    declared = set(model_for(event_type).masked_on_publish) if event_type in all_event_types() else set()
    return {k: v if k in declared else _auditable(v, k) for k, v in published.items()}


async def audit_view(ctx: Collections, conn: asyncpg.Connection, state: CaseState) -> dict[str, Any]:
    """The case as an auditor reads it (issue 16, from the access audit to the case a record names): the
    full case and its timeline with every personal field masked — the borrower's and contacts' names,
    phones and addresses, the contact points as anyone sees them, what the case recorded sealed as the
    topic has it (a masked public part, else "****": a note's free text is not shown) and phones and ID
    numbers in older plain text masked. No reveal exists for it."""
    view = await case_view(ctx, conn, state, opened=False)
    shown = {k: v if k in ("contact_points", "borrower", "trace_contacts") else _auditable(v, k)
             for k, v in view.items()}
    shown["borrower"] = _masked_person(view["borrower"])
    shown["trace_contacts"] = [_masked_person(c) for c in view["trace_contacts"]]
    events = await ctx.store.load(conn, case_rows.stream_id(state.case_id))
    shown["timeline"] = [{"sequence": e.sequence, "type": e.type, "time": e.time.isoformat(),
                          "businessdate": e.businessdate.isoformat(), "data": _audited_event(e.type, e.data)}
                         for e in events]
    return await ctx.open(conn, shown)  # the public parts, masked when they were sealed


async def case_view(ctx: Collections, conn: asyncpg.Connection, state: CaseState, *,
                    timeline: bool = False, reveal: bool = False, opened: bool = True) -> dict[str, Any]:
    """The full case: everything in its state plus borrower, tactics, statute dates and the timeline.

    Contact points' values are masked unless `reveal` (a recorded reveal, handlers.reveal_case). The personal
    fields the case recorded sealed (trace findings, notes, complaints: adapters/sealing.py) are opened here,
    "erased" once the borrower's key is destroyed.
    """
    view = state.model_dump(mode="json")
    view["disputed"] = state.dispute is not None
    view["tactics"] = [tactic(t) for t in state.tags]
    expiry = statute.expires_on(state.statute_runs_from, ctx.rules.statute_years)
    view["statute"] = {"runs_from": state.statute_runs_from.isoformat(), "expires_on": expiry.isoformat(),
                       "warned": state.statute_warned, "expired": state.statute_expired,
                       "legal_action_allowed": not state.statute_expired}
    view["guidance"] = guidance(state)
    view.pop("legal_actions", None)
    view["legal"] = legal.view(state)
    view["amount_owed"] = f"{state.amount_owed:.2f}"
    loan = await directory.get(conn, state.loan_id, ctx.ring)
    view["borrower"] = loan["borrower"] if loan else None
    view["trace_contacts"] = (loan["contacts"] or []) if loan else []
    view["contact_points"] = [(p if reveal else masked(p)).model_dump(mode="json")
                              for p in all_points(state.contact_points, loan)]
    if timeline:  # a field masked on publish (a finding's value, a letter's address) masked unless revealed
        events = await ctx.store.load(conn, case_rows.stream_id(state.case_id))
        view["timeline"] = [{"sequence": e.sequence, "type": e.type, "time": e.time.isoformat(),
                             "businessdate": e.businessdate.isoformat(),
                             "data": e.data if reveal else public_data(e.type, e.data)} for e in events]
    if not opened:  # the auditor's view opens only the masked public parts (audit_view)
        return view
    return await ctx.open(conn, view)  # what the case recorded sealed with the borrower's key (issue 16)
