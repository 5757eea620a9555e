"""What collections itself records about a borrower, sealed with the borrower's data key (issue 16).

The borrower's key id is the one the loan file from `loan.disbursed` is sealed with (collections' copy,
fetched from origination when first needed: `shared/datakeys.KeyRing`). Every field below is sealed as
the case records the event (`Case.record` calls `seal_event` before the event is applied to the case's
state and queued to append), so the event store, the topic and the case row hold the same sealed text
(docs/erasure.md, "What is sealed"). Pure: no I/O here.

A field masked on publish (`masked_on_publish`: a trace finding's value, a letter's address, a
complaint's description and resolution) is sealed in two parts, the full text for collections' store and
its masked form, which is all the topic keeps (`shared/pii`'s masks take a sealed value's public part).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from cryptography.exceptions import InvalidTag

from shared.contracts.registry import EventData
from shared.datakeys import DataKey, is_sealed, key_id_of
from shared.errors import Conflict, DomainError

E = TypeVar("E", bound=EventData)

# event type -> its fields holding personal data or a person's free text about the borrower
SEALED: dict[str, tuple[str, ...]] = {
    "collections.contact_point.added": ("value",),
    "collections.contact_point.status_changed": ("reason",),  # free text only, see REASON_CODES
    "collections.contact.logged": ("note",),
    "collections.case.special_status_changed": ("note",),
    "collections.dispute.opened": ("reason",),
    "collections.dispute.resolved": ("resolution",),
    "collections.complaint.opened": ("description",),
    "collections.complaint.resolved": ("resolution",),
    "collections.case.tagged": ("reason",),
    "collections.statute.restarted": ("evidence",),
    "collections.letter.sent": ("address",),
    "collections.letter.returned": ("reason",),
    "collections.legal.referred": ("note",),
    "collections.legal.action_recorded": ("note",),
    "collections.qa.reviewed": ("note",),
    "collections.qa.coaching_acknowledged": ("note",),
}

# A point's status change names the outcome that judged it, a returned letter, or a hand-written reason:
# the codes say nothing about the person and are counted as they are; anything else is sealed.
REASON_CODES = frozenset({"wrong_number", "address_invalid", "moved", "right_party_contact", "promise",
                          "met_borrower", "met_family", "notice_signed", "third_party", "returned_letter",
                          "marked_by_hand"})


class KeyUnavailable(DomainError):
    """The borrower's key could not be fetched just now: nothing is recorded rather than recorded in plain."""

    status, code = 503, "data_key_unavailable"


@dataclass(frozen=True)
class BorrowerKey:
    """The key a case's personal fields are sealed with: `key_id` None for a loan file from before data keys
    (recorded in plain, as its loan file is); `key` None with `erased` once the key is destroyed, or None
    without `erased` while it cannot be fetched."""

    key_id: str | None
    key: DataKey | None = None
    erased: bool = False
    # For what the case records without a person's command (the escalation policy, on a consumer's path):
    # nothing is refused, plain text (the policy's own words) is recorded as given, and only a value already
    # sealed in one part gets its two-part form (a policy letter to an origination address).
    lenient: bool = False

    @property
    def plain(self) -> bool:
        return self.key_id is None


def _text_fields(event: EventData) -> list[str]:
    fields = SEALED.get(event.event_type, ())
    out = []
    for name in fields:
        value = getattr(event, name, None)
        if not isinstance(value, str) or (name == "reason" and event.event_type.endswith("status_changed")
                                          and value in REASON_CODES):
            continue
        out.append(name)
    return out


def seal_event(event: E, borrower: BorrowerKey) -> E:
    """The event with its personal fields (SEALED) sealed with the borrower's key.

    Refused once the key is destroyed (409 `borrower_erased`: nothing more is recorded about the borrower)
    or while it cannot be fetched (503 `data_key_unavailable`); a loan from before data keys records plain.
    A value already sealed (an origination address a letter goes to) stays as it is, except that a field
    masked on publish gets its two-part form when the key opens it.
    """
    names = _text_fields(event)
    if not names or borrower.plain:
        return event
    masks = type(event).masked_on_publish
    update: dict[str, Any] = {}
    for name in names:
        value: str = getattr(event, name)
        if is_sealed(value):
            if name in masks and borrower.key is not None:
                resealed = _two_part(value, borrower.key, masks[name])
                if resealed is not None:
                    update[name] = resealed
            continue
        if borrower.lenient:
            continue
        if borrower.erased:
            raise Conflict(f"borrower {borrower.key_id} was erased: nothing more is recorded about them",
                           code="borrower_erased")
        if borrower.key is None:
            raise KeyUnavailable(f"the data key of borrower {borrower.key_id} cannot be fetched from origination "
                                 "just now; nothing was recorded, try again")
        update[name] = borrower.key.seal(value, public=masks[name](value) if name in masks else None)
    return event.model_copy(update=update) if update else event


def _two_part(value: str, key: DataKey, mask: Any) -> str | None:
    """A one-part value sealed with `key`, resealed with its masked form as the public part."""
    if key_id_of(value) != key.key_id or "." in value.rpartition(":")[2]:
        return None
    try:
        plain = key.open(value)
    except (InvalidTag, ValueError):
        return None
    return key.seal(plain, public=mask(plain))
