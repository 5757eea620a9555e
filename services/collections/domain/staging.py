"""Stages of a collections case by days past due."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Stage = Literal["front", "mid", "back"]
STAGE_ORDER: tuple[Stage, ...] = ("front", "mid", "back")


def stage_rank(stage: str) -> int:
    """0 front, 1 mid, 2 back."""
    return STAGE_ORDER.index(stage)  # type: ignore[arg-type]


@dataclass(frozen=True)
class StageBounds:
    """Upper DPD bound of the front and mid stages (defaults 30 and 90).

    DOMAIN.md §3: "Cases are staged by how long the debt is overdue: front-end, mid-end,
    back-end; back-end holds the long overdue." Front is 1..front_max, mid up to mid_max,
    back beyond.
    """

    front_max: int = 30
    mid_max: int = 90

    def __post_init__(self) -> None:
        if not 0 < self.front_max < self.mid_max:
            raise ValueError("stage bounds must satisfy 0 < front_max < mid_max")

    def stage_for(self, days_past_due: int) -> Stage:
        """The stage a debt this many days past due belongs to."""
        if days_past_due <= self.front_max:
            return "front"
        if days_past_due <= self.mid_max:
            return "mid"
        return "back"


def next_stage(stage: Stage) -> Stage:
    """The stage after `stage` (back stays back)."""
    return STAGE_ORDER[min(stage_rank(stage) + 1, len(STAGE_ORDER) - 1)]
