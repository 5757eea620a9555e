"""/reports: management's figures (NPL ratio and its change, DPD buckets, roll and cure, promises,
recovered per collector and region) with SVG charts; /reports/{report}.csv: the reporting service's
CSV export fetched with the session's token (the browser never holds a token)."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.workbench import i18n
from services.workbench.adapters.api import ApiRefusal
from services.workbench.domain.npl_drivers import npl_drivers
from services.workbench.domain.reports import (
    BUCKETS,
    CSV_REPORTS,
    STAGES,
    Period,
    bucket_bars,
    bucket_rows,
    change_direction,
    month_ends_before,
    npl_points,
    ranked,
)
from services.workbench.domain.svg import bar_chart, line_chart
from services.workbench.entrypoints.web.deps import api_for
from services.workbench.entrypoints.web.nav import N_
from services.workbench.entrypoints.web.render import render
from services.workbench.entrypoints.web.session import CurrentUser

router = APIRouter(tags=["reports"])

BUCKET_TITLES = {"current": N_("Current"), "1-30": N_("1–30 days"), "31-60": N_("31–60 days"),
                 "61-90": N_("61–90 days"), "91-180": N_("91–180 days"), "180+": N_("Over 180 days")}


@router.get("/reports")
async def reports_page(request: Request, user: CurrentUser) -> Response:
    """One delinquency report at the as-of date (a refusal is the page's), then the collections
    period and the month ends of the NPL line in parallel (each may be refused on its own)."""
    api = api_for(request, user)
    lang: str = request.state.lang
    _ = request.app.state.catalogs[lang].gettext
    period = Period.from_query(request.query_params)
    delinquency = await api.get("reporting", "/reports/delinquency",
                                as_of=period.as_of.isoformat() if period.as_of else None)
    as_of = date.fromisoformat(delinquency["as_of"])
    window = period.collections_params(as_of)
    trend_days = month_ends_before(as_of)
    collections, *trend = await api.gather(
        api.get_or_refusal("reporting", "/reports/collections", group_by="region", **window),
        *[api.get_or_refusal("reporting", "/reports/delinquency", as_of=d.isoformat()) for d in trend_days])

    def pct(value: Any, digits: int = 2) -> str:
        return i18n.fmt_rate(value, lang, digits)

    def money(value: Any) -> str:
        return i18n.money(value, lang)

    npl_line = line_chart(
        npl_points([*trend, delinquency], pct, lambda d: i18n.fmt_date(d, lang, "short")),
        _("NPL ratio at each month end"), _("No outstanding loans yet"))
    bucket_chart = bar_chart(bucket_bars(delinquency, money, lambda b: _(bucket_title(b))),
                             _("Outstanding principal by days past due"))
    csv_links = {name: csv_href(name, as_of, window) for name in CSV_REPORTS
                 if user.has(*CSV_READERS.get(name, ("reporting", "admin")))}
    return render(
        request, "reports.html", user=user, d=delinquency, c=collections, as_of=as_of, window=window,
        npl_line=npl_line, bucket_chart=bucket_chart, bucket_rows=bucket_rows(delinquency), buckets=BUCKETS,
        stages=STAGES, pct=pct,
        points=lambda v: i18n.fmt_rate(abs(i18n.to_decimal(v) or 0), lang, 2, ""),
        direction=change_direction(delinquency.get("change", {}).get("npl_ratio")),
        drivers=npl_drivers(delinquency), signed_points=lambda v: _signed(v, lambda x: i18n.fmt_rate(x, lang, 2, "")),
        signed_money=lambda v: _signed(v, money),
        bucket_title=bucket_title, ranked=ranked, csv_links=csv_links,
        collections_refused=collections if isinstance(collections, ApiRefusal) else None)


def _signed(value: Any, fmt: Any) -> str:
    """A change with its sign in front (+, −, ±0); '—' when there is none."""
    number = i18n.to_decimal(value)
    if number is None:
        return "—"
    return ("+" if number > 0 else "−" if number < 0 else "±") + str(fmt(abs(number)))


# reporting's readers of each report (a collections supervisor reads the aggregate ones, not the loan book)
CSV_READERS = {"delinquency": ("reporting", "admin", "collections_supervisor"),
               "collections": ("reporting", "admin", "collections_supervisor")}


def bucket_title(bucket: str) -> str:
    """The msgid for a DPD bucket."""
    return BUCKET_TITLES.get(bucket, bucket)


def csv_href(report: str, as_of: date, window: dict[str, str]) -> str:
    params = window if report == "collections" else {"as_of": as_of.isoformat()}
    return f"/reports/{report}.csv?{urlencode(params)}"


@router.get("/reports/{report}.csv")
async def report_csv(report: str, request: Request, user: CurrentUser) -> Response:
    """The reporting service's CSV of one report, as the signed-in person (their role applies)."""
    if report not in CSV_REPORTS:
        raise ApiRefusal(404, "not_found", f"no report {report}")
    period = Period.from_query(request.query_params)
    if report == "collections":
        params = period.collections_params(period.end)
    else:
        params = {"as_of": period.as_of.isoformat()} if period.as_of else {}
    answer = await api_for(request, user).download("reporting", f"/reports/{report}", format="csv", **params)
    disposition = answer.headers.get("content-disposition", f'attachment; filename="{report}.csv"')
    return Response(answer.content, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": disposition})
