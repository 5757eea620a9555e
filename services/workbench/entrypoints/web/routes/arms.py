"""/reports/arms: the escalation policy's champion and challenger compared (reporting's policy-arms report)
for supervisors and management: per arm cases, cure, roll and promise-kept rates, recovered and contacts
per case, each with its 95% interval, the difference with its interval, an SVG chart of the rates."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.workbench import i18n
from services.workbench.domain.arms import arm_rows, rate_groups
from services.workbench.domain.reports import Period
from services.workbench.domain.svg import interval_chart
from services.workbench.entrypoints.web.deps import api_for
from services.workbench.entrypoints.web.nav import N_
from services.workbench.entrypoints.web.render import render
from services.workbench.entrypoints.web.session import CurrentUser

router = APIRouter(tags=["reports"])

METRICS = {"cases": N_("Cases opened"), "cure_rate": N_("Cure rate"), "roll_rate": N_("Roll rate"),
           "recovered": N_("Recovered"), "recovered_per_case": N_("Recovered per case"),
           "contacts_per_case": N_("Contacts per case"), "promise_kept_rate": N_("Promise-kept rate")}
ARM_NAMES = {"champion": N_("Champion"), "challenger": N_("Challenger")}
VERDICTS = {"higher": N_("Challenger higher"), "lower": N_("Challenger lower"),
            "unclear": N_("No clear difference yet"), "none": N_("Not enough cases")}


@router.get("/reports/arms")
async def arms_page(request: Request, user: CurrentUser) -> Response:
    """One call to reporting (`GET /v1/reports/policy-arms?from=&to=`; a refusal is the page's)."""
    lang: str = request.state.lang
    _ = request.app.state.catalogs[lang].gettext
    period = Period.from_query(request.query_params)
    report = await api_for(request, user).get(
        "reporting", "/reports/policy-arms", **{k: v.isoformat() for k, v in (("from", period.start),
                                                                              ("to", period.end)) if v})
    rows = arm_rows(report)

    def pct(value: Any, digits: int = 1) -> str:
        return i18n.fmt_rate(value, lang, digits)

    def shown(value: Decimal | None, kind: str) -> str:
        """A figure as its kind reads: a rate in %, money in ¥, a count or a per-case number as a number."""
        if value is None:
            return "—"
        if kind == "rate":
            return pct(value)
        if kind == "money":
            return i18n.money(value, lang)
        return i18n.fmt_number(value, lang)

    def points(value: Decimal | None, kind: str) -> str:
        """A difference: rates in percentage points with a sign, others signed in their unit."""
        if value is None:
            return "—"
        sign = "+" if value > 0 else ("−" if value < 0 else "±")
        if kind == "rate":
            return sign + _("%(n)s pp") % {"n": i18n.fmt_rate(abs(value), lang, 1, "")}
        return sign + shown(abs(value), kind)

    chart = interval_chart(rate_groups(rows, lambda m: _(METRICS[m]), lambda a: _(ARM_NAMES[a]), pct),
                           _("Rates per arm with their 95% intervals"), _("No cases opened in this period"))
    return render(request, "reports_arms.html", user=user, report=report, rows=rows, chart=chart,
                  metrics=METRICS, verdicts=VERDICTS, shown=shown, points=points)
