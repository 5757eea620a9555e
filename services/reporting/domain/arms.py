"""Champion/challenger: the policy arms compared (issue 17; GET /v1/reports/policy-arms). Pure.

The cohort is the cases *opened* in the period, each in the arm recorded when it opened;
outcomes are those known at the end of the period: cured (cured or paid off), rolled (moved to
a later stage), recovered, contacts, promises judged (kept or broken). Each rate comes with a
95% Wilson score interval, and the difference between the arms (challenger − champion) with
Newcombe's hybrid score interval (method 10 of Newcombe 1998), which is built from the two
Wilson intervals. The per-case figures (recovered, contacts) come with the normal 95% interval
of a mean (mean ± 1.96·s/√n, s the sample standard deviation; none under two cases), their
difference with Welch's (± 1.96·√(s₁²/n₁ + s₂²/n₂)).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import Any

from services.reporting.domain.book import ratio
from shared.money import ZERO, to_fen

Z95 = Decimal("1.96")  # the normal quantile of a two-sided 95% interval
FOUR = Decimal("0.0001")
ARMS = ("champion", "challenger")


@dataclass(frozen=True)
class ArmCase:
    """One case of the cohort with what became of it by the end of the period."""

    case_id: str
    arm: str
    cured: bool
    rolled: bool
    recovered: Decimal
    contacts: int
    promises_kept: int
    promises_judged: int


def wilson(successes: int, n: int, z: Decimal = Z95) -> tuple[Decimal, Decimal] | None:
    """The Wilson score interval of successes/n (unrounded); None when n is 0."""
    if n <= 0:
        return None
    if not 0 <= successes <= n:
        raise ValueError(f"{successes} successes out of {n}")
    with localcontext() as ctx:
        ctx.prec = 34
        p, nn, z2 = Decimal(successes) / n, Decimal(n), z * z
        denominator = 1 + z2 / nn
        centre = (p + z2 / (2 * nn)) / denominator
        half = z / denominator * (p * (1 - p) / nn + z2 / (4 * nn * nn)).sqrt()
        return max(ZERO, centre - half), min(Decimal(1), centre + half)


def newcombe(k1: int, n1: int, k2: int, n2: int, z: Decimal = Z95) -> tuple[Decimal, Decimal, Decimal] | None:
    """p1 − p2 with Newcombe's hybrid score interval (unrounded); None when either n is 0."""
    first, second = wilson(k1, n1, z), wilson(k2, n2, z)
    if first is None or second is None:
        return None
    (l1, u1), (l2, u2) = first, second
    with localcontext() as ctx:
        ctx.prec = 34
        p1, p2 = Decimal(k1) / n1, Decimal(k2) / n2
        d = p1 - p2
        return d, d - ((p1 - l1) ** 2 + (u2 - p2) ** 2).sqrt(), d + ((u1 - p1) ** 2 + (p2 - l2) ** 2).sqrt()


def _q(value: Decimal) -> Decimal:
    return value.quantize(FOUR, rounding=ROUND_HALF_UP)


def rate(successes: int, n: int) -> dict[str, Any]:
    """A proportion with its count, its base and its 95% Wilson interval (four decimals; None without a base)."""
    interval = wilson(successes, n)
    return {"count": successes, "of": n, "rate": ratio(successes, n),
            "low": None if interval is None else _q(interval[0]), "high": None if interval is None else _q(interval[1])}


def difference(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """a − b of two `rate`s with Newcombe's 95% interval."""
    found = newcombe(a["count"], a["of"], b["count"], b["of"])
    if found is None:
        return {"difference": None, "low": None, "high": None}
    return {"difference": _q(found[0]), "low": _q(found[1]), "high": _q(found[2])}


def mean_interval(values: list[Decimal]) -> tuple[Decimal, Decimal, Decimal] | None:
    """The mean with its normal 95% interval (unrounded): mean ± z·s/√n; None under two values."""
    n = len(values)
    if n < 2:
        return None
    with localcontext() as ctx:
        ctx.prec = 34
        mean = sum(values, Decimal(0)) / n
        half = Z95 * (_variance(values, mean) / n).sqrt()
        return mean, mean - half, mean + half


def _variance(values: list[Decimal], mean: Decimal) -> Decimal:
    return sum(((v - mean) ** 2 for v in values), Decimal(0)) / (len(values) - 1)


def welch(a: list[Decimal], b: list[Decimal]) -> tuple[Decimal, Decimal, Decimal] | None:
    """mean(a) − mean(b) with the normal 95% interval of Welch (unrounded); None when either has under two."""
    if len(a) < 2 or len(b) < 2:
        return None
    with localcontext() as ctx:
        ctx.prec = 34
        ma, mb = sum(a, Decimal(0)) / len(a), sum(b, Decimal(0)) / len(b)
        half = Z95 * (_variance(a, ma) / len(a) + _variance(b, mb) / len(b)).sqrt()
        return ma - mb, ma - mb - half, ma - mb + half


def _interval(found: tuple[Decimal, Decimal, Decimal] | None, places: Decimal, name: str) -> dict[str, Any]:
    """{name, low, high} rounded half-up to `places` (all None without an interval)."""
    if found is None:
        return {name: None, "low": None, "high": None}
    value, low, high = (v.quantize(places, rounding=ROUND_HALF_UP) for v in found)
    return {name: value, "low": low, "high": high}


FEN = Decimal("0.01")
PER_CASE = {"recovered_per_case": lambda c: c.recovered, "contacts_per_case": lambda c: Decimal(c.contacts)}


def _per_case(total: Decimal | int, cases: int, places: Decimal) -> Decimal | None:
    return (Decimal(total) / cases).quantize(places, rounding=ROUND_HALF_UP) if cases else None


def arm_figures(cases: list[ArmCase]) -> dict[str, Any]:
    """One arm's figures over its cohort."""
    n = len(cases)
    recovered = to_fen(sum((c.recovered for c in cases), ZERO))
    contacts = sum(c.contacts for c in cases)
    return {"cases": n,
            "cure_rate": rate(sum(c.cured for c in cases), n),
            "roll_rate": rate(sum(c.rolled for c in cases), n),
            "recovered": recovered, "recovered_per_case": _per_case(recovered, n, FEN),
            "recovered_per_case_interval": _interval(mean_interval([c.recovered for c in cases]), FEN, "mean"),
            "contacts": contacts, "contacts_per_case": _per_case(contacts, n, FEN),
            "contacts_per_case_interval": _interval(mean_interval([Decimal(c.contacts) for c in cases]), FEN,
                                                    "mean"),
            "promise_kept_rate": rate(sum(c.promises_kept for c in cases), sum(c.promises_judged for c in cases))}


def policy_arms_report(cases: list[ArmCase]) -> dict[str, Any]:
    """Per arm figures and the challenger − champion differences (rates with Newcombe's interval)."""
    cohorts = {arm: [c for c in cases if c.arm == arm] for arm in ARMS}
    arms = {arm: arm_figures(cohorts[arm]) for arm in ARMS}
    champion, challenger = arms["champion"], arms["challenger"]

    def gap(key: str) -> Decimal | None:
        a, b = challenger[key], champion[key]
        return None if a is None or b is None else a - b

    return {"arms": arms,
            "difference": {key: difference(challenger[key], champion[key])
                           for key in ("cure_rate", "roll_rate", "promise_kept_rate")}
            | {"recovered_per_case": gap("recovered_per_case"), "contacts_per_case": gap("contacts_per_case")}
            | {f"{key}_interval": _interval(welch([of(c) for c in cohorts["challenger"]],
                                                  [of(c) for c in cohorts["champion"]]), FEN, "difference")
               for key, of in PER_CASE.items()}}
