"""Policy arms report, pure: Wilson and Newcombe intervals against published values; figures per arm."""

from __future__ import annotations

from decimal import Decimal
from itertools import count

import pytest

from services.reporting.domain.arms import ArmCase, mean_interval, newcombe, policy_arms_report, welch, wilson


def four(values):
    return tuple(round(float(v), 4) for v in values)


@pytest.mark.parametrize(("k", "n", "low", "high"), [
    # Newcombe (1998a) "Two-sided confidence intervals for the single proportion", table I, method 3
    (81, 263, 0.2553, 0.3662), (15, 148, 0.0624, 0.1605), (0, 20, 0.0, 0.1611), (1, 29, 0.0061, 0.1718),
])
def test_wilson_matches_newcombes_published_intervals(k, n, low, high):
    assert four(wilson(k, n)) == (low, high)


@pytest.mark.parametrize(("k1", "n1", "k2", "n2", "low", "high"), [
    # Newcombe (1998b) "Interval estimation for the difference between independent proportions", method 10
    (56, 70, 48, 80, 0.0524, 0.3339), (9, 10, 3, 10, 0.1705, 0.8090),
])
def test_newcombe_matches_published_intervals(k1, n1, k2, n2, low, high):
    d, lo, hi = newcombe(k1, n1, k2, n2)
    assert four((lo, hi)) == (low, high)
    assert lo < d < hi


def test_no_base_no_interval_and_bad_counts_are_refused():
    assert wilson(0, 0) is None and newcombe(1, 2, 0, 0) is None
    with pytest.raises(ValueError):
        wilson(3, 2)


NUMBERS = count(1)


def case(arm, cured=False, rolled=False, recovered="0", contacts=0, kept=0, judged=0):
    return ArmCase(f"C{next(NUMBERS)}", arm, cured, rolled, Decimal(recovered), contacts, kept, judged)


def test_figures_per_arm_and_the_difference():
    cases = ([case("champion", cured=True, recovered="100.005", contacts=3, kept=1, judged=2)]
             + [case("champion", rolled=True, contacts=1)] * 3
             + [case("challenger", cured=True, recovered="50.00", contacts=2, kept=1, judged=1)] * 2)
    report = policy_arms_report(cases)
    champion, challenger = report["arms"]["champion"], report["arms"]["challenger"]
    assert champion["cases"] == 4 and challenger["cases"] == 2
    assert (champion["cure_rate"]["count"], champion["cure_rate"]["rate"]) == (1, Decimal("0.2500"))
    assert champion["roll_rate"]["rate"] == Decimal("0.7500")
    assert (champion["recovered"], champion["recovered_per_case"]) == (Decimal("100.01"), Decimal("25.00"))
    assert champion["contacts_per_case"] == Decimal("1.50")
    assert champion["promise_kept_rate"]["rate"] == Decimal("0.5000")
    assert challenger["recovered"] == Decimal("100.00")
    low, high = champion["cure_rate"]["low"], champion["cure_rate"]["high"]
    assert four((low, high)) == four(wilson(1, 4))
    diff = report["difference"]["cure_rate"]
    assert diff["difference"] == Decimal("0.7500") and diff["low"] < diff["difference"] < diff["high"]
    assert report["difference"]["recovered_per_case"] == Decimal("25.00")
    empty = policy_arms_report([])
    assert empty["arms"]["challenger"]["cure_rate"]["low"] is None
    assert empty["difference"]["cure_rate"]["difference"] is None


def test_a_per_case_mean_has_the_normal_interval_and_the_difference_welchs():
    # 2, 4, 4, 4, 5, 5, 7, 9: mean 5, sample variance 32/7; half-width 1.96 * sqrt(32/7/8) = 1.4816...
    mean, low, high = mean_interval([Decimal(v) for v in (2, 4, 4, 4, 5, 5, 7, 9)])
    assert mean == 5 and four((low, high)) == (3.5184, 6.4816)
    # a: 1, 3 (mean 2, var 2); b: 0, 0, 0 (mean 0, var 0): 2 ± 1.96 * sqrt(2/2) = 2 ± 1.96
    d, lo, hi = welch([Decimal(1), Decimal(3)], [Decimal(0)] * 3)
    assert (d, four((lo, hi))) == (2, (0.04, 3.96))
    assert mean_interval([Decimal(1)]) is None and welch([Decimal(1)], [Decimal(1), Decimal(2)]) is None


def test_the_per_case_figures_carry_their_intervals_in_the_report():
    cases = ([case("champion", recovered="10.00", contacts=1), case("champion", recovered="30.00", contacts=3)]
             + [case("challenger", recovered="40.00", contacts=2)] * 3)
    report = policy_arms_report(cases)
    champion = report["arms"]["champion"]
    assert champion["recovered_per_case_interval"]["mean"] == champion["recovered_per_case"] == Decimal("20.00")
    assert champion["recovered_per_case_interval"]["low"] == Decimal("0.40")  # 20 - 1.96 * sqrt(200 / 2)
    assert champion["contacts_per_case_interval"] == {"mean": Decimal("2.00"), "low": Decimal("0.04"),
                                                      "high": Decimal("3.96")}
    gap = report["difference"]["recovered_per_case_interval"]
    assert gap == {"difference": Decimal("20.00"), "low": Decimal("0.40"), "high": Decimal("39.60")}
    assert policy_arms_report([])["difference"]["contacts_per_case_interval"]["low"] is None
