"""Champion/challenger: which policy a case follows (issue 17, CONTRACT.md second round "Policy arms").

A challenger policy (same YAML schema) may take a share of the *new* cases. The arm is drawn
from a stable hash of the case id (sha256 → a number uniform in [0, 1); below the share →
challenger), so the split is reproducible, and recorded on `collections.case.opened` (and every
`collections.policy.decided`): a case keeps its arm for life, whatever the share is later.
Promotion is configuration: the challenger file becomes the champion; recorded decisions keep
the version that took them.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Literal

from services.collections.domain.policy import Policy

Arm = Literal["champion", "challenger"]
ARMS: tuple[Arm, ...] = ("champion", "challenger")


def draw(case_id: str) -> float:
    """A number in [0, 1) fixed by the case id: the first 8 bytes of its sha256, over 2**64."""
    return int.from_bytes(hashlib.sha256(case_id.encode("utf-8")).digest()[:8], "big") / 2**64


def arm_for(case_id: str, share: float) -> Arm:
    """The arm a new case joins: challenger when its draw falls below the challenger's share."""
    return "challenger" if draw(case_id) < share else "champion"


@dataclass(frozen=True)
class PolicyArms:
    """The champion policy and, optionally, a challenger with its share (0–1) of new cases."""

    champion: Policy
    challenger: Policy | None = None
    share: float = 0.0

    def __post_init__(self) -> None:
        if not 0.0 <= self.share <= 1.0:
            raise ValueError(f"challenger share must be within 0..1, not {self.share}")
        if self.challenger is not None and self.challenger.version == self.champion.version:
            raise ValueError(f"challenger and champion policies carry the same version {self.champion.version!r}; "
                             "give the challenger its own version so decisions say which policy took them")

    def arm_for_new_case(self, case_id: str) -> Arm:
        """A new case's arm: champion unless a challenger is configured and the case id draws it."""
        return arm_for(case_id, self.share) if self.challenger is not None else "champion"

    def policy(self, arm: str) -> Policy:
        """The policy a case of `arm` follows; with no challenger configured every case follows the champion
        (its recorded arm stays, and its decisions name the champion's version)."""
        return self.challenger if arm == "challenger" and self.challenger is not None else self.champion
