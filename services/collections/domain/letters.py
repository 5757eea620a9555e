"""Letters to the borrower (`case.letters`): payment reminder, 催收通知书 demand notice, pre-legal notice.

DOMAIN.md §3: "Channels: ... letter (registered letter 挂号信)". A letter is recorded as
`collections.letter.sent` with the amounts it demands (the case's servicing figures) and,
when registered, a tracking number; the post returns it (the address is not the borrower's)
or it is signed for. Issue 14: "a delivered demand letter counts as documented demand for
the statute" — a delivered registered `demand_notice` or `pre_legal` restarts the limitation
period from the day it was signed for.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel

from services.collections.domain.contact_points import ContactPoint
from services.collections.domain.errors import CaseRuleViolation, InvalidCommand
from shared.contracts import collections as ev
from shared.errors import NotFound
from shared.money import ZERO, Money

if TYPE_CHECKING:
    from services.collections.domain.case import Case
    from services.collections.domain.state import CaseState

LetterStatus = Literal["sent", "returned", "delivered"]
HOME_POINT = "borrower-home"  # the contact point of the home address on the loan file


@dataclass(frozen=True)
class Template:
    """What a template is: its title, how many days it gives to pay, whether delivery is documented demand."""

    title: str
    days_to_pay: int
    demand: bool


TEMPLATES: dict[str, Template] = {
    "reminder": Template("还款提醒函", days_to_pay=7, demand=False),
    "demand_notice": Template("催收通知书", days_to_pay=7, demand=True),
    "pre_legal": Template("诉前催告函", days_to_pay=15, demand=True),
}

# UPU S10 item identifier, as China Post numbers registered letters: service indicator (2 letters),
# 8-digit serial, check digit, country "CN". Generated ones use the indicator "XA".
TRACKING_RE = re.compile(r"^[A-Z]{2}(\d{8})(\d)[A-Z]{2}$")
S10_WEIGHTS = (8, 6, 4, 2, 3, 5, 9, 7)


class Letter(BaseModel):
    """A letter as the case keeps it (the fold of its sent / returned / delivered events)."""

    letter_id: str
    template: ev.LetterTemplate
    registered: bool
    tracking_number: str | None
    address_point_id: str | None
    sent_on: date
    pay_by: date
    total_due: Money
    sent_by: str
    rule_id: str | None = None
    status: LetterStatus = "sent"
    returned_on: date | None = None
    return_reason: str | None = None
    delivered_on: date | None = None


def s10_check_digit(serial: str) -> int:
    """The S10 check digit of an 8-digit serial (11 − weighted sum mod 11; 10 → 0, 11 → 5)."""
    check = 11 - sum(int(d) * w for d, w in zip(serial, S10_WEIGHTS, strict=True)) % 11
    return {10: 0, 11: 5}.get(check, check)


def valid_tracking_number(number: str) -> bool:
    """Whether `number` is an S10 identifier whose check digit is right."""
    m = TRACKING_RE.match(number)
    return m is not None and s10_check_digit(m.group(1)) == int(m.group(2))


def tracking_number_for(letter_id: str) -> str:
    """A tracking number derived from the letter id (stable: the same letter always gets the same one).

    For when the caller has no number from the post office yet; the serial is 8 digits of the
    letter id's SHA-256, so two letters share one with probability 1e-8 per pair.
    """
    serial = f"{int(hashlib.sha256(letter_id.encode()).hexdigest(), 16) % 10**8:08d}"
    return f"XA{serial}{s10_check_digit(serial)}CN"


def amounts(state: CaseState) -> dict[str, Decimal | None]:
    """What a letter demands, from the case's servicing figures: overdue installments, 罚息, fees, total.

    The overdue installments split into principal and interest when servicing gave the overdue principal
    (loan.payment.missed `principal_overdue`); otherwise both are None and the letter shows them as one.
    """
    penalty = state.charges.get("penalty_interest", ZERO)
    fees = sum((v for k, v in state.charges.items() if k != "penalty_interest"), ZERO)
    principal = state.principal_overdue
    split = principal is not None and principal <= state.amount_overdue
    return {"amount_overdue": state.amount_overdue, "penalty": penalty, "fees": fees,
            "total_due": state.amount_overdue + penalty + fees, "principal_outstanding": state.principal_outstanding,
            "principal_overdue": principal if split else None,
            "interest_overdue": state.amount_overdue - principal if split and principal is not None else None}


class CaseLetters:
    """Sends letters on a case and records what the post says of them; events go through the case."""

    def __init__(self, case: Case) -> None:
        self.case = case

    def find(self, letter_id: str) -> Letter:
        letter = next((x for x in self.case.state.letters if x.letter_id == letter_id), None)
        if letter is None:
            raise NotFound(f"case {self.case.state.case_id} has no letter {letter_id}")
        return letter

    def send(self, *, template: str, registered: bool, by: str, business_date: date,
             tracking_number: str | None = None, address_point_id: str | None = None,
             points: Sequence[ContactPoint] = (), rule_id: str | None = None) -> Letter:
        """Send a letter of `template`; a registered one carries the given or a derived tracking number.

        It goes to the address point named, else to the borrower's first address not known invalid
        among `points` (the case's contact points; none given: the home address on the loan file).
        Like every contact, no letter while a dispute of the debt is open (DOMAIN.md §3: the only pause).
        """
        s = self.case.state
        self.case.require_open()
        if template not in TEMPLATES:
            raise InvalidCommand("unknown_template", f"template must be one of {sorted(TEMPLATES)}")
        if tracking_number is not None and not registered:
            raise InvalidCommand("tracking_number_unregistered", "only a registered letter has a tracking number")
        if tracking_number is not None and not valid_tracking_number(tracking_number):
            raise InvalidCommand("invalid_tracking_number",
                                 "a tracking number is an S10 identifier: 2 letters, 8 digits, check digit, "
                                 "2 letters (e.g. XA123456785CN)")
        point = address_for(points, address_point_id)
        if s.dispute is not None:
            raise CaseRuleViolation("dispute_pause", "the case has an open dispute: no contact until it is resolved")
        letter_id = f"{s.case_id}-L{len(s.letters) + 1}"
        if registered and tracking_number is None:
            tracking_number = tracking_number_for(letter_id)
        if any(x.tracking_number == tracking_number for x in s.letters if tracking_number):
            raise CaseRuleViolation("tracking_number_used", f"a letter of this case already has {tracking_number}")
        self.case.record(ev.LetterSent(
            **self.case.ids(), letter_id=letter_id, template=template, registered=registered,  # type: ignore[arg-type]
            tracking_number=tracking_number, address_point_id=point.point_id if point else None,
            address=point.value if point else None, sent_on=business_date,
            pay_by=business_date + timedelta(days=TEMPLATES[template].days_to_pay), days_past_due=s.days_past_due,
            overdue_since=s.overdue_since, **amounts(s), sent_by=by,
            collector=by if rule_id is None else s.assignee, rule_id=rule_id))
        return s.letters[-1]

    def returned(self, letter_id: str, *, reason: str | None, by: str, business_date: date,
                 points: Sequence[ContactPoint] = ()) -> None:
        """The post returned the letter: its address is marked invalid (a signed-for letter cannot come back).

        A letter that named no point went to the home address on the loan file (`borrower-home`).
        """
        letter = self._sent(letter_id)
        point_id = letter.address_point_id or HOME_POINT
        self.case.record(ev.LetterReturned(**self.case.ids(), letter_id=letter_id, returned_on=business_date,
                                           reason=reason, address_point_id=letter.address_point_id,
                                           recorded_by=by))
        if any(p.point_id == point_id for p in points):
            self.case.reach.mark_point(point_id, "invalid", by=by, reason="returned_letter", points=points)

    def delivered(self, letter_id: str, *, on: date, by: str, business_date: date) -> None:
        """A registered letter was signed for on `on`; a delivered demand restarts the statute when it may."""
        letter = self._sent(letter_id)
        if not letter.registered:
            raise CaseRuleViolation("letter_not_registered", "only a registered letter (挂号信) has a delivery record")
        if on > business_date:
            raise InvalidCommand("delivered_in_future", f"{on} is after the business date {business_date}")
        if on < letter.sent_on:
            raise InvalidCommand("delivered_before_sent", f"{on} is before the letter was sent ({letter.sent_on})")
        demand = TEMPLATES[letter.template].demand
        self.case.record(ev.LetterDelivered(**self.case.ids(), letter_id=letter_id, delivered_on=on,
                                            documented_demand=demand, recorded_by=by))
        if restarts_statute(self.case.state, demand=demand, delivered_on=on):
            self.case.restart_statute(kind="demand", on=on, by=by, business_date=business_date,
                                      evidence=f"{TEMPLATES[letter.template].title} {letter_id} "
                                               f"(挂号信 {letter.tracking_number}) signed for on {on}")

    def _sent(self, letter_id: str) -> Letter:
        letter = self.find(letter_id)
        if letter.status != "sent":
            raise CaseRuleViolation(f"letter_{letter.status}", f"letter {letter_id} was already {letter.status}")
        return letter


def address_for(points: Sequence[ContactPoint], point_id: str | None) -> ContactPoint | None:
    """The address a letter goes to: the point named (an address not known invalid), else the borrower's first."""
    if point_id is None:
        return next((p for p in points if p.kind == "address" and p.relation == "borrower" and p.value
                     and p.status != "invalid"), None)
    point = next((p for p in points if p.point_id == point_id), None)
    if point is None or point.kind != "address":
        raise InvalidCommand("unknown_address_point", f"the case has no address point {point_id}")
    if point.status == "invalid":
        raise CaseRuleViolation("address_invalid", f"address point {point_id} is marked invalid "
                                                   f"({point.status_reason}): a letter there comes back")
    return point


def restarts_statute(state: CaseState, *, demand: bool, delivered_on: date) -> bool:
    """Whether a letter signed for on `delivered_on` restarts the limitation period.

    Only a demand (催收通知书, pre-legal notice) is documented demand; a time-barred debt is not
    revived here, and a delivery before the current period's start changes nothing.
    """
    return demand and not state.statute_expired and delivered_on >= state.statute_runs_from
