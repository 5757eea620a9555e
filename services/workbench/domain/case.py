"""What the case page derives from the APIs' answers (pure, no I/O): masking, the contact log,
the statute clock, the timeline rows and the guidance."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from shared.datakeys import ERASED, UNAVAILABLE, is_sealed, public_form
from shared.pii import mask_id_number, mask_phone

CONTACT_LOGGED = "collections.contact.logged"


def mask_name(name: str | None) -> str:
    """罗洋敏 → 罗**: the family name is enough to address the borrower; the rest stays hidden. A name whose
    key is gone or could not be fetched ("erased", "unavailable") or still sealed is shown as its public form,
    never masked as if it were a name ("u**********")."""
    if not name:
        return "—"
    if name in (ERASED, UNAVAILABLE) or is_sealed(name):
        return str(public_form(name))
    return name[0] + "*" * max(1, len(name) - 1)


def masked_borrower(borrower: Mapping[str, Any] | None) -> dict[str, str] | None:
    """The borrower as the page shows them: name, phone and ID number masked."""
    if not borrower:
        return None
    id_number = borrower.get("id_number_masked") or borrower.get("id_number")
    return {"name": mask_name(borrower.get("name")),
            "phone": mask_phone(borrower["phone"]) if borrower.get("phone") else "—",
            "id_number": mask_id_number(id_number) if id_number else "—",
            "region": str(borrower.get("region") or "")}


def masked_contacts(contacts: Sequence[Mapping[str, Any]]) -> list[dict[str, str]]:
    """The loan's contacts (family, other, work) for tracing, masked like the borrower."""
    return [{"relation": str(c.get("relation") or ""), "name": mask_name(c.get("name")),
             "phone": mask_phone(c["phone"]) if c.get("phone") else "—"} for c in contacts]


def contact_log(case_events: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The case's contact attempts, newest first, from its own events (`collections.contact.logged`)."""
    rows = []
    for event in case_events:
        if event.get("type") != CONTACT_LOGGED:
            continue
        data = event.get("data") or {}
        rows.append({"at": data.get("contacted_at") or event.get("time"), "channel": data.get("channel"),
                     "outcome": data.get("outcome"), "target": data.get("target") or "borrower",
                     "collector": data.get("collector"), "note": data.get("note") or "",
                     "reason": data.get("reason")})
    return sorted(rows, key=lambda r: str(r["at"]), reverse=True)


def statute_clock(statute: Mapping[str, Any] | None, business_date: date | None) -> dict[str, Any] | None:
    """DOMAIN.md §3: the statute of limitations running out loses the case. Days left to its expiry
    on the business date (negative once expired), with the API's warned/expired flags."""
    if not statute or not statute.get("expires_on"):
        return None
    expires = date.fromisoformat(str(statute["expires_on"]))
    days_left = (expires - business_date).days if business_date else None
    return {"runs_from": statute.get("runs_from"), "expires_on": expires, "days_left": days_left,
            "warned": bool(statute.get("warned")), "expired": bool(statute.get("expired"))}


def recovery_odds(days_past_due: int) -> int:
    """DOMAIN.md §3: "debts under two years are recovered about 80% of the time, over two years about 20%"."""
    return 80 if days_past_due < 730 else 20


def timeline_rows(events: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Timeline events (reporting's cross-service items, or the case's own events), newest first."""
    rows = []
    for n, event in enumerate(events):
        data = event.get("data") or {}
        rows.append({"n": n, "businessdate": event.get("businessdate"), "time": event.get("time"),
                     "source": event.get("source") or str(event.get("type", "")).split(".")[0],
                     "type": event.get("type"), "actor": event.get("actor") or data.get("collector")
                     or data.get("by") or data.get("assigned_by") or "", "summary": summary(data)})
    return sorted(rows, key=lambda r: (str(r["businessdate"]), str(r["time"]), r["n"]), reverse=True)


SUMMARY_KEYS = ("amount", "promised_date", "channel", "outcome", "stage", "to_stage", "collector", "queue",
                "decision", "stage_reviewed", "days_past_due", "kind", "resolution", "behaviour", "reason", "note")


def summary(data: Mapping[str, Any]) -> list[tuple[str, str]]:
    """A few telling fields of an event's data (never personal data: reporting's copy is already masked)."""
    return [(key, str(data[key])) for key in SUMMARY_KEYS if data.get(key) not in (None, "", [], {})][:4]


def amount_to_ask(case: Mapping[str, Any], loan: Any) -> dict[str, Any]:
    """The one figure the page asks for, and what it includes.

    Servicing's figure wins: the pay-off amount when the loan is accelerated (all of it is due),
    else everything overdue now (principal, interest, penalty interest and fees). Only when the
    loan cannot be read does the page fall back to collections' overdue installments (no penalty).
    """
    if isinstance(loan, Mapping):
        if loan.get("accelerated") or loan.get("status") == "accelerated":
            return {"amount": loan.get("payoff_amount"), "basis": "payoff"}
        overdue = loan.get("overdue")
        if isinstance(overdue, Mapping) and overdue.get("total") is not None:
            return {"amount": overdue["total"], "basis": "overdue", "parts": overdue}
    guidance = case.get("guidance") or {}
    return {"amount": guidance.get("ask_first") or case.get("amount_overdue"), "basis": "installments"}
