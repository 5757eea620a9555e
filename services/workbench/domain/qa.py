"""The call-QA page's logic (pure): which week it shows, the scorecard form's fields as the review's body."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Any

SCORE_PREFIX = "scores."  # a scorecard form's field for item X is `scores.X` (the REST body's `scores: {X: ...}`)
SCORES = ("pass", "fail", "na")


def iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def default_week(business_date: date | None, today: date) -> str:
    """The last week that is over: the one before the business date's week (or, without it, today's)."""
    return iso_week((business_date or today) - timedelta(days=7))


def review_body(form: Mapping[str, str]) -> dict[str, Any]:
    """The form's `scores.<item>` fields, `note` and `coaching` (a checkbox) as the review's REST body; the API
    checks the items against the scorecard in force."""
    body: dict[str, Any] = {"scores": {k[len(SCORE_PREFIX):]: v for k, v in form.items()
                                       if k.startswith(SCORE_PREFIX) and len(k) > len(SCORE_PREFIX)}}
    if form.get("note"):
        body["note"] = form["note"]
    if form.get("coaching"):
        body["coaching"] = True
    return body


def item_label(item: Mapping[str, Any], lang: str) -> str:
    """A scorecard item's label in the page's language (the configured zh/en), else its id."""
    return str(item.get(lang) or item.get("en") or item.get("id"))


def findings_by_collector(items: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    """How many findings each collector has among the sample's reviews."""
    out: dict[str, int] = {}
    for i in items:
        if i.get("review"):
            out[i["collector"]] = out.get(i["collector"], 0) + len(i["review"].get("findings") or [])
    return out
