"""GET /v1/reports/portfolio, /delinquency, /collections (roles reporting or admin, the delinquency and collections
reports also collections_supervisor; JSON or CSV)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request

from services.reporting.adapters.queries import latest_business_date
from services.reporting.entrypoints.api import public
from services.reporting.entrypoints.api.render import report_response, table_response, typed, wants_csv
from services.reporting.service_layer import reports
from services.reporting.service_layer.personal import present, unmasked_export
from shared.access_audit import Reveal, RevealBody, RevealDep, revealed
from shared.auth import require_roles
from shared.service import KernelDep, ServiceKernel

router = APIRouter(prefix="/reports", tags=["reports"])
READERS = ("reporting", "admin")
# A collections supervisor's board reads the collections report, /reports also the delinquency report (aggregates
# only: stage and bucket balances, NPL, roll and cure rates; the loan book and portfolio stay management's); a
# collector's, supervisor's or legal's case page reads the loan's timeline. Personal data stays masked for every
# reader.
COLLECTIONS_READERS = (*READERS, "collections_supervisor")
TIMELINE_READERS = (*COLLECTIONS_READERS, "collector", "legal")
Reader = Annotated[Any, Depends(require_roles(*READERS))]
CollectionsReader = Annotated[Any, Depends(require_roles(*COLLECTIONS_READERS))]
BOOK_COLUMNS = ["loan_id", "borrower", "region", "product", "principal", "disbursement_date", "status",
                "outstanding_principal", "days_past_due", "bucket", "stage"]
Format = Annotated[Literal["json", "csv"] | None, Query(description="csv for a CSV export")]


async def as_of_or_latest(kernel: ServiceKernel, conn: Any, as_of: date | None) -> date:
    """The requested business date, else the latest one any event carried."""
    if as_of is not None:
        return as_of
    latest = await latest_business_date(conn)
    return latest if latest is not None else kernel.clock.now().date()


@router.get("/portfolio", **typed(public.PortfolioPublic))
async def portfolio(request: Request, kernel: KernelDep, _: Reader, as_of: date | None = None,
                    format: Format = None) -> Any:
    """Loans disbursed, active, outstanding, interest received/receivable, 到期收回率, concentration."""
    async with kernel.db.acquire() as conn:
        day = await as_of_or_latest(kernel, conn, as_of)
        report = await present(conn, request.app.state.ring, await reports.portfolio_report(conn, day))
    return report_response(request, report, format, f"portfolio-{day}")


@router.get("/loan-book", **typed(public.LoanBookPage))
async def loan_book(request: Request, kernel: KernelDep, who: Reader, reveal: RevealDep, as_of: date | None = None,
                    limit: Annotated[int, Query(ge=1, le=500)] = 50, cursor: str | None = None,
                    format: Format = None) -> Any:
    """The loan book at the end of `as_of`: one row per loan (paged by loan id; CSV gives every loan).

    Borrowers are masked. `?reveal=true&reason=...` shows their names unmasked only where
    LOANFLOW_REPORTING_UNMASKED_EXPORTS allows it (403 `unmasked_export_not_allowed` otherwise), recorded
    in the access audit (`GET /v1/audit/access`, auditor and admin); `POST /loan-book/reveal` is the same
    export with the reason in the body."""
    return await _loan_book(request, kernel, who, reveal, as_of, limit, cursor, format)


@router.post("/loan-book/reveal", **typed(public.LoanBookPage))
async def loan_book_revealed(request: Request, kernel: KernelDep, who: Reader, body: RevealBody,
                             as_of: date | None = None, limit: Annotated[int, Query(ge=1, le=500)] = 50,
                             cursor: str | None = None, format: Format = None) -> Any:
    """The unmasked loan book with the reason in the body (`{"reason": ...}`): the same export, refusals and
    access record as `GET /loan-book?reveal=true&reason=`, its reason in no URL or access log line."""
    return await _loan_book(request, kernel, who, revealed(body), as_of, limit, cursor, format)


async def _loan_book(request: Request, kernel: ServiceKernel, who: Any, reveal: Reveal | None, as_of: date | None,
                     limit: int, cursor: str | None, format: str | None) -> Any:
    csv, more = wants_csv(request, format), False
    async with kernel.db.acquire() as conn:
        day = await as_of_or_latest(kernel, conn, as_of)
        loans = await reports.loan_book(conn, day)
        if not csv:
            after = [loan for loan in loans if cursor is None or loan["loan_id"] > cursor]
            loans, more = after[:limit], len(after) > limit
        if reveal is None:
            loans = await present(conn, request.app.state.ring, loans)  # sealed borrower labels opened, masked
        else:
            loans = await unmasked_export(
                conn, request.app.state.ring, loans, allowed=request.app.state.reporting_settings.unmasked_exports,
                actor=who.sub, roles=who.roles, subject=f"loan-book:{day.isoformat()}", reason=reveal.reason)
    if not csv:
        extra = {"as_of": day.isoformat(), "next_cursor": loans[-1]["loan_id"] if more else None}
        return table_response(request, loans, extra, format, BOOK_COLUMNS, f"loan-book-{day}")
    return table_response(request, loans, {}, format, BOOK_COLUMNS, f"loan-book-{day}")


@router.get("/delinquency", **typed(public.DelinquencyPublic))
async def delinquency(request: Request, kernel: KernelDep, _: CollectionsReader, as_of: date | None = None,
                      npl_threshold: Annotated[int | None, Query(ge=0, le=3650)] = None,
                      format: Format = None) -> Any:
    """Stage and DPD-bucket balances, NPL balance and ratio, change vs previous month end, roll rates."""
    threshold = npl_threshold if npl_threshold is not None else request.app.state.reporting_settings.npl_dpd_threshold
    async with kernel.db.acquire() as conn:
        day = await as_of_or_latest(kernel, conn, as_of)
        report = await reports.delinquency_report(conn, day, threshold)
    return report_response(request, report, format, f"delinquency-{day}")


@router.get("/collections", **typed(public.CollectionsPublic))
async def collections(request: Request, kernel: KernelDep, _: CollectionsReader,
                      start: Annotated[date | None, Query(alias="from")] = None,
                      end: Annotated[date | None, Query(alias="to")] = None,
                      group_by: Literal["region"] | None = None, format: Format = None) -> Any:
    """Recovered, promise-kept rate, cure rate per stage, activity counts, per collector (and per region)."""
    async with kernel.db.acquire() as conn:
        last = await as_of_or_latest(kernel, conn, end)
        first = start if start is not None else last.replace(day=1)
        settings = request.app.state.reporting_settings
        report = await reports.collections_figures(conn, first, last, group_by, settings.visit_target,
                                                   settings.department_share)
    return report_response(request, report, format, f"collections-{first}-{last}")
