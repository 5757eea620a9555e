"""Call quality (issue 16): the weekly QA sample, the scorecard, findings and coaching (pure, no I/O).

The notes measure collectors by "zero complaints, zero QA findings": recorded calls are reviewed
by role `qa` on a scorecard. Each week, per collector, a configured number of the week's recorded
contacts (by business date) is drawn at random with a seed that is recorded with the draw
(`collections.qa.sample_drawn`): the seed and the population give the same sample again, so the
draw can be audited. Only recorded contacts are drawn: a review listens to the recording, and a
contact without one (an sms, a letter, an unrecorded call) has nothing to score. A week is drawn
once it is over (the business date is past its Sunday), so its population no longer grows.

A review scores every item of the scorecard `pass`, `fail` or `na`; failed items are findings.
A finding requires coaching when its item is configured so (conduct: threats, disclosure) or the
reviewer asks; the collector whose contact it was acknowledges it, nobody else.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta

from pydantic import BaseModel, ConfigDict

from services.collections.domain.errors import CaseRuleViolation, InvalidCommand
from shared.contracts import collections as ev
from shared.contracts.collections import QaScore, Recording
from shared.errors import Forbidden, NotFound

WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


class ScorecardItem(BaseModel):
    """One item of the scorecard: its id (the key of `scores`), labels, whether failing it requires coaching."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    zh: str
    en: str
    coaching: bool = False


DEFAULT_SCORECARD: tuple[ScorecardItem, ...] = (
    ScorecardItem(id="identified_self_and_company", zh="表明本人身份及公司", en="identified self and company"),
    ScorecardItem(id="verified_right_party", zh="核实债务人本人", en="verified right party"),
    ScorecardItem(id="stated_amount_and_due_date", zh="说明欠款金额及到期日", en="stated amount and due date"),
    ScorecardItem(id="no_threat_or_abuse", zh="无威胁、辱骂", en="no threat or abuse", coaching=True),
    ScorecardItem(id="no_third_party_disclosure", zh="未向第三方透露债务", en="no disclosure to a third party",
                  coaching=True),
    ScorecardItem(id="within_allowed_hours", zh="在允许时段内联系", en="within allowed hours"),
    ScorecardItem(id="offered_ways_to_pay", zh="告知还款方式", en="offered the ways to pay"),
    ScorecardItem(id="recorded_promise_correctly", zh="正确记录还款承诺", en="recorded the promise correctly"),
)


def iso_week(day: date) -> str:
    """The ISO week of a day, `YYYY-Www`."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def week_days(week: str) -> tuple[date, date]:
    """Monday and Sunday of an ISO week `YYYY-Www` (422 `bad_week` otherwise)."""
    m = WEEK.match(week)
    try:
        if m is None:
            raise ValueError(week)
        monday = date.fromisocalendar(int(m[1]), int(m[2]), 1)
    except ValueError:
        raise InvalidCommand("bad_week", f"week must be an ISO week such as 2026-W17, not {week[:20]!r}") from None
    return monday, monday + timedelta(days=6)


def check_week_over(week: str, business_date: date) -> None:
    """A week is drawn once it is over: its population of recorded contacts no longer grows (409 otherwise)."""
    _, sunday = week_days(week)
    if business_date <= sunday:
        raise CaseRuleViolation("week_not_over", f"week {week} ends on {sunday}; the business date is "
                                f"{business_date}: its sample is drawn once it is over", ends_on=sunday.isoformat())


class RecordedContact(BaseModel):
    """A contact with a recording: what the sample draws from and a reviewer listens to."""

    contact_id: str
    case_id: str
    loan_id: str
    collector: str
    channel: str
    outcome: str
    contacted_at: datetime
    business_date: date
    recording: Recording


def population(contacts: Iterable[RecordedContact]) -> dict[str, list[str]]:
    """Each collector's recorded contact ids, sorted (the draw's stable input)."""
    out: dict[str, list[str]] = {}
    for c in contacts:
        out.setdefault(c.collector, []).append(c.contact_id)
    return {collector: sorted(ids) for collector, ids in sorted(out.items())}


def draw(seed: str, week: str, people: Mapping[str, Sequence[str]], per_collector: int) -> dict[str, list[str]]:
    """Up to `per_collector` contacts of each collector, drawn without replacement by a generator seeded with
    (seed, week, collector): the same inputs always draw the same sample, whatever the other collectors had."""
    sample: dict[str, list[str]] = {}
    for collector in sorted(people):
        ids = sorted(people[collector])
        rng = random.Random(f"{seed}:{week}:{collector}")
        sample[collector] = rng.sample(ids, min(per_collector, len(ids)))
    return sample


class Sample(BaseModel):
    """A week's drawn sample (the read model of `collections.qa.sample_drawn`)."""

    week: str
    seed: str
    per_collector: int
    drawn_by: str
    drawn_on: date
    population: dict[str, list[str]]
    sample: dict[str, list[str]]

    def contains(self, contact_id: str) -> bool:
        return any(contact_id in ids for ids in self.sample.values())


def draw_sample(*, week: str, seed: str, contacts: Iterable[RecordedContact], per_collector: int, by: str,
                business_date: date) -> ev.QaSampleDrawn:
    """The week's sample as an event (the week must be over)."""
    check_week_over(week, business_date)
    people = population(contacts)
    return ev.QaSampleDrawn(week=week, seed=seed, per_collector=per_collector, drawn_by=by, drawn_on=business_date,
                            population=people, sample=draw(seed, week, people, per_collector))


class Finding(BaseModel):
    finding_id: str
    item: str
    coaching_required: bool
    acknowledged_on: date | None = None
    acknowledged_by: str | None = None
    acknowledgement: str | None = None  # the collector's note


class Review(BaseModel):
    """A contact's QA review, folded from its stream (reviewed, then coaching acknowledged per finding)."""

    review_id: str
    contact_id: str
    case_id: str
    loan_id: str
    collector: str
    reviewer: str
    week: str
    reviewed_on: date
    scores: dict[str, QaScore]
    note: str | None
    findings: list[Finding]


def score(scorecard: Sequence[ScorecardItem], scores: Mapping[str, str]) -> list[str]:
    """The failed items, in scorecard order; every item scored exactly, none unknown (422 otherwise)."""
    known = [i.id for i in scorecard]
    unknown = sorted(set(scores) - set(known))
    if unknown:
        raise InvalidCommand("unknown_scorecard_item", f"not items of the scorecard: {unknown}; items: {known}")
    missing = [i for i in known if i not in scores]
    if missing:
        raise InvalidCommand("scorecard_incomplete", f"every item is scored pass, fail or na; missing: {missing}")
    bad = sorted(k for k, v in scores.items() if v not in ("pass", "fail", "na"))
    if bad:
        raise InvalidCommand("bad_score", f"a score is pass, fail or na: {bad}")
    return [i for i in known if scores[i] == "fail"]


def review(*, review_id: str, contact: RecordedContact, sample: Sample | None, reviewer: str,
           scorecard: Sequence[ScorecardItem], scores: Mapping[str, str], note: str | None, coaching: bool,
           business_date: date, reviewed: bool) -> ev.QaReviewed:
    """Score a sampled contact; failed items become findings (coaching by item or by the reviewer's word).

    Refused: a reviewer scoring their own contact (403 `own_contact`), a contact not in its week's drawn
    sample (409 `contact_not_sampled`), a contact already reviewed (409 `already_reviewed`)."""
    if reviewer == contact.collector:
        raise Forbidden("nobody reviews their own contact", code="own_contact")
    week = iso_week(contact.business_date)
    if sample is None or not sample.contains(contact.contact_id):
        raise CaseRuleViolation("contact_not_sampled", f"contact {contact.contact_id} is not in the drawn QA "
                                f"sample of {week}", week=week)
    if reviewed:
        raise CaseRuleViolation("already_reviewed", f"contact {contact.contact_id} was already reviewed")
    failed = score(scorecard, scores)
    coached = {i.id for i in scorecard if i.coaching}
    findings = [ev.QaFinding(finding_id=f"{review_id}-{n}", item=item, coaching_required=coaching or item in coached)
                for n, item in enumerate(failed, start=1)]
    return ev.QaReviewed(review_id=review_id, contact_id=contact.contact_id, case_id=contact.case_id,
                         loan_id=contact.loan_id, collector=contact.collector, reviewer=reviewer, week=week,
                         reviewed_on=business_date, scores=dict(scores), note=note,  # type: ignore[arg-type]
                         findings=findings)


def acknowledge(current: Review, *, finding_id: str, by: str, note: str | None,
                business_date: date) -> ev.QaCoachingAcknowledged:
    """The collector whose contact it was acknowledges a finding that requires coaching, once."""
    finding = next((f for f in current.findings if f.finding_id == finding_id), None)
    if finding is None:
        raise NotFound(f"no finding {finding_id}")
    if by != current.collector:
        raise Forbidden(f"finding {finding_id} is acknowledged by {current.collector}, whose contact it was",
                        code="not_your_finding")
    if not finding.coaching_required:
        raise CaseRuleViolation("coaching_not_required", f"finding {finding_id} does not require coaching")
    if finding.acknowledged_on is not None:
        raise CaseRuleViolation("finding_acknowledged", f"finding {finding_id} was acknowledged on "
                                f"{finding.acknowledged_on}")
    return ev.QaCoachingAcknowledged(review_id=current.review_id, finding_id=finding_id,
                                     contact_id=current.contact_id, case_id=current.case_id,
                                     loan_id=current.loan_id, collector=current.collector, item=finding.item,
                                     acknowledged_by=by, acknowledged_on=business_date, note=note)


def fold_review(events: Iterable[ev.QaReviewed | ev.QaCoachingAcknowledged]) -> Review | None:
    """A review from its stream (None when the contact was never reviewed)."""
    current: Review | None = None
    for e in events:
        if isinstance(e, ev.QaReviewed):
            current = Review(review_id=e.review_id, contact_id=e.contact_id, case_id=e.case_id, loan_id=e.loan_id,
                             collector=e.collector, reviewer=e.reviewer, week=e.week, reviewed_on=e.reviewed_on,
                             scores=dict(e.scores), note=e.note,
                             findings=[Finding(finding_id=f.finding_id, item=f.item,
                                               coaching_required=f.coaching_required) for f in e.findings])
        elif current is not None:
            f = next(f for f in current.findings if f.finding_id == e.finding_id)
            f.acknowledged_on, f.acknowledged_by, f.acknowledgement = e.acknowledged_on, e.acknowledged_by, e.note
    return current
