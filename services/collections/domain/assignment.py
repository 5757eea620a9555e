"""Choosing a collector for a case.

DOMAIN.md §1: "Segregation of duties: the approver may not also be the marketer, the
investigator or the collector of the same loan". Whoever filed, reviewed, investigated or
approved a loan never collects it. Among the others on the queue's roster, the one with
the fewest open cases takes it (ties: roster order).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

from services.collections.domain.errors import CaseRuleViolation


def pick_collector(roster: Sequence[str], caseload: Mapping[str, int], excluded: Collection[str]) -> str | None:
    """The least-loaded eligible collector of a queue's roster, or None (the queue holds it unassigned)."""
    eligible = [c for c in roster if c not in excluded]
    if not eligible:
        return None
    return min(eligible, key=lambda c: (caseload.get(c, 0), roster.index(c)))


def check_segregation(collector: str, originated_by: Collection[str]) -> None:
    """Refuse a collector who took part in originating the loan."""
    if collector in originated_by:
        raise CaseRuleViolation("segregation_of_duties",
                                f"{collector} took part in originating this loan and may not collect it")
