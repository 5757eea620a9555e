"""Command handlers: each loads the aggregate, decides, and saves events + effects in one transaction."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import Any

from services.origination.adapters import applications_table, repository
from services.origination.adapters.blacklist import blacklist, is_blacklisted
from services.origination.adapters.business_date import current_business_date
from services.origination.domain.application import Application
from services.origination.domain.errors import InvalidApplication
from services.origination.domain.products import ProductRules
from services.origination.domain.validation import Draft, validate_draft
from services.origination.service_layer.ports import CreditBureau
from services.origination.service_layer.views import application_view
from shared import idempotency as idempotency_keys
from shared.auth import Principal
from shared.contracts.origination import Applicant, ContactVerification, CreditReport
from shared.errors import NotFound
from shared.paging import parse_cursor
from shared.service import ServiceKernel

log = logging.getLogger(__name__)


@dataclass
class Origination:
    """The origination use cases, wired to a kernel, product rules and a credit bureau."""

    kernel: ServiceKernel
    rules: dict[str, ProductRules]
    bureau: CreditBureau

    async def submit(self, draft: Draft, by: Principal, idempotency: tuple[str, str] | None = None) -> dict[str, Any]:
        """File an application: validate, fetch the credit report if needed, apply the intake rules.

        With an Idempotency-Key (key, body hash) a retry replays the first answer instead of
        filing twice; the key is reserved in the same transaction as the events.
        """
        problems = validate_draft(draft, self.rules[draft.product])
        if problems:
            raise InvalidApplication("the application is invalid", details=problems)
        report, source = draft.credit_report, "applicant"
        if report is None:
            report, source = await self.bureau.report_for(draft.applicant.id_number), "bureau"
            if report is None:
                raise InvalidApplication("a credit report is required", details=[{
                    "field": "credit_report", "type": "missing",
                    "message": "required: none in the request and the credit bureau has none"}])
        app = Application(str(uuid.uuid4()))
        scope = f"applications:{by.sub}"
        async with self.kernel.db.acquire() as conn, conn.transaction():
            if idempotency is not None:
                replay = await idempotency_keys.begin(conn, scope, *idempotency)
                if replay is not None:
                    return replay.body  # type: ignore[no-any-return]
            listed = await is_blacklisted(conn, draft.applicant.id_number)
            events = Application.file(app.id, draft, report, source, by.sub, listed)
            await self._save(conn, app, 0, events)
            answer: dict[str, Any] = {"id": app.id, "status": app.status}
            if app.rejection is not None:
                answer["reasons"] = list(app.rejection.reasons)
            if idempotency is not None:
                await idempotency_keys.finish(conn, scope, idempotency[0], 201, answer)
        log.info("application %s filed by %s: %s", app.id, by.sub, app.status)
        return answer

    async def review(self, application_id: str, by: Principal, stage: str, decision: str, note: str | None,
                     verifications: list[ContactVerification], false_information: bool) -> Application:
        """Record one review; a rejection for false information blacklists the ID number in the same transaction."""
        async with self.kernel.db.acquire() as conn, conn.transaction():
            app, version = await self._load(conn, application_id)
            events = app.review(stage, decision, by.sub, by.roles, note, verifications, false_information)
            await self._save(conn, app, version, events)
            if false_information:
                assert app.applicant is not None
                await blacklist(conn, app.applicant.id_number, app.id, "false information", by.sub)
        log.info("application %s: %s review by %s: %s", app.id, stage, by.sub, decision)
        return app

    async def investigate(self, application_id: str, by: Principal, findings: str, decision: str,
                          false_information: bool = False) -> Application:
        """Record the field investigation; a rejection for false information blacklists in the same transaction."""
        async with self.kernel.db.acquire() as conn, conn.transaction():
            app, version = await self._load(conn, application_id)
            await self._save(conn, app, version, app.investigate(by.sub, findings, decision, false_information))
            if false_information:
                assert app.applicant is not None
                await blacklist(conn, app.applicant.id_number, app.id, "false information (field investigation)",
                                by.sub)
        return app

    async def amend(self, application_id: str, by: Principal, applicant: Applicant | None,
                    report: CreditReport | None, reason: str | None) -> Application:
        """Record changed applicant data or a newer credit report (validated by the aggregate, as at intake)."""
        async with self.kernel.db.acquire() as conn, conn.transaction():
            app, version = await self._load(conn, application_id)
            events = app.amend(by.sub, applicant, report, "applicant" if report else None, reason)
            await self._save(conn, app, version, events)
        return app

    async def disburse(self, application_id: str, by: Principal) -> Application:
        """Re-check against a fresh bureau report and the blacklist, then pay out."""
        async with self.kernel.db.acquire() as conn:
            app, _ = await self._load(conn, application_id)
        fresh = await self.bureau.report_for(app.applicant.id_number) if app.applicant else None
        async with self.kernel.db.acquire() as conn, conn.transaction():
            app, version = await self._load(conn, application_id)
            assert app.submitted is not None and app.applicant is not None
            listed = await is_blacklisted(conn, app.applicant.id_number)
            today = await current_business_date(conn, self.kernel.platform, self.kernel.clock)
            events = app.disburse(str(uuid.uuid4()), by.sub, today, self.rules[app.submitted.product], fresh, listed)
            await self._save(conn, app, version, events)
        log.info("application %s disbursed by %s on %s", app.id, by.sub, today)
        return app

    async def view(self, application_id: str) -> dict[str, Any]:
        async with self.kernel.db.acquire() as conn:
            app, version = await self._load(conn, application_id)
        assert app.submitted is not None
        return application_view(app, version, self.rules[app.submitted.product])

    async def page(self, *, limit: int, cursor: str | None, status: str | None) -> dict[str, Any]:
        after = parse_cursor(cursor)
        async with self.kernel.db.acquire() as conn:
            rows = await applications_table.page(conn, limit=limit, after=after, status=status)
        items = [{"id": r["application_id"], "status": r["status"], "product": r["product"],
                  "amount": f"{r['amount']:.2f}", "submitted_by": r["submitted_by"],
                  "next_stage": r["next_stage"], "loan_id": r["loan_id"], "version": r["version"],
                  "submitted_at": r["submitted_at"].isoformat(), "updated_at": r["updated_at"].isoformat()}
                 for r in rows]
        return {"items": items, "next_cursor": str(rows[-1]["seq"]) if len(rows) == limit else None}

    async def _load(self, conn: Any, application_id: str) -> tuple[Application, int]:
        app, version = await repository.load(conn, self.kernel.store, application_id)
        if version == 0:
            raise NotFound(f"no application {application_id}", code="application_not_found")
        return app, version

    async def _save(self, conn: Any, app: Application, version: int, events: list[Any]) -> None:
        today = await current_business_date(conn, self.kernel.platform, self.kernel.clock)
        new_version = await repository.save(conn, self.kernel.store, app, version, events, today)
        await applications_table.upsert(conn, app, new_version)

