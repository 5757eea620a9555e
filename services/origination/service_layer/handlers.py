"""Command handlers: each loads the application, lets it decide, and saves events + effects in one unit of work."""

from __future__ import annotations

import logging
import uuid
from datetime import date
from typing import Any

from services.origination.adapters import applications_table, data_keys, repository
from services.origination.adapters.blacklist import blacklist, is_blacklisted
from services.origination.adapters.business_date import current_business_date
from services.origination.domain.application import Application
from services.origination.domain.commands import (
    AmendApplication,
    Answer,
    DisburseApplication,
    EraseBorrower,
    InvestigateApplication,
    RevealApplication,
    RevealIdentity,
    ReviewApplication,
    SubmitApplication,
)
from services.origination.domain.credit import require_bureau_authorisation
from services.origination.domain.errors import InvalidApplication, UnknownApplication
from services.origination.domain.personal import check_reveal
from services.origination.domain.validation import Draft, validate_draft
from services.origination.service_layer.deps import Deps
from services.origination.service_layer.erasure import erase_borrower
from services.origination.service_layer.identity import borrower_identity
from services.origination.service_layer.views import application_view
from shared import access_audit
from shared.contracts.origination import CreditReport
from shared.datakeys import DataKey
from shared.messagebus import Handler
from shared.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)


async def submit_application(cmd: SubmitApplication, deps: Deps) -> Answer:
    """File an application: validate, fetch the credit report if needed, apply the intake rules.

    With an Idempotency-Key a retry replays the first answer instead of filing twice; the key is
    reserved in the same transaction as the events.
    """
    draft = cmd.draft
    async with deps.kernel.db.acquire() as conn:
        today = await current_business_date(conn, deps.kernel.platform, deps.kernel.clock)
    problems = validate_draft(draft, deps.rules[draft.product], today)
    if problems:
        raise InvalidApplication("the application is invalid", details=problems)
    report, source = await _credit_report(draft, deps)
    app = Application(str(uuid.uuid4()))
    async with deps.kernel.unit_of_work() as uow:
        async def file() -> Answer:
            listed = await is_blacklisted(uow.conn, deps.secret, draft.applicant.id_number)
            events = Application.file(app.id, draft, report, source, cmd.submitted_by, listed)
            key = await data_keys.key_for_new_application(uow.conn, deps.ring, deps.secret, app.id,
                                                          draft.applicant.id_number)
            await _save(uow, deps, app, 0, events, key)
            answer: Answer = {"id": app.id, "status": app.status}
            if app.rejection is not None:
                answer["reasons"] = list(app.rejection.reasons)
            return answer

        answer = await uow.once(f"applications:{cmd.submitted_by}", cmd.idempotency, file)
    log.info("application %s filed by %s: %s", app.id, cmd.submitted_by, app.status)
    return answer


async def review_application(cmd: ReviewApplication, deps: Deps) -> Answer:
    """Record one review; a rejection for false information blacklists the ID number in the same transaction."""
    async with deps.kernel.unit_of_work() as uow:
        app, version = await _load(uow, deps, cmd.application_id)
        events = app.review(cmd.stage, cmd.decision, cmd.reviewer, cmd.roles, cmd.note, cmd.verifications,
                            cmd.false_information)
        version = await _save(uow, deps, app, version, events)
        if cmd.false_information:
            await _blacklist(uow, deps, app, "false information", cmd.reviewer)
    log.info("application %s: %s review by %s: %s", app.id, cmd.stage, cmd.reviewer, cmd.decision)
    return _state(deps, app, version)


async def investigate_application(cmd: InvestigateApplication, deps: Deps) -> Answer:
    """Record the field investigation; a rejection for false information blacklists in the same transaction."""
    async with deps.kernel.unit_of_work() as uow:
        app, version = await _load(uow, deps, cmd.application_id)
        events = app.investigate(cmd.investigator, cmd.findings, cmd.decision, cmd.false_information)
        version = await _save(uow, deps, app, version, events)
        if cmd.false_information:
            await _blacklist(uow, deps, app, "false information (field investigation)", cmd.investigator)
    return _state(deps, app, version)


async def amend_application(cmd: AmendApplication, deps: Deps) -> Answer:
    """Record changed applicant data or a newer credit report (validated by the aggregate, as at intake)."""
    async with deps.kernel.unit_of_work() as uow:
        app, version = await _load(uow, deps, cmd.application_id)
        events = app.amend(cmd.amended_by, cmd.applicant, cmd.credit_report,
                           "applicant" if cmd.credit_report else None, cmd.reason)
        version = await _save(uow, deps, app, version, events)
    return _state(deps, app, version)


async def disburse_application(cmd: DisburseApplication, deps: Deps) -> Answer:
    """Re-check (blacklist; a fresh bureau report when the applicant authorised bureau queries), then pay out."""
    async with deps.kernel.unit_of_work() as uow:
        app, _ = await _load(uow, deps, cmd.application_id)
    fresh = None
    if app.applicant is not None and app.bureau_authorised:  # queried outside a transaction
        fresh = await deps.bureau.report_for(app.applicant.id_number)
    async with deps.kernel.unit_of_work() as uow:
        app, version = await _load(uow, deps, cmd.application_id)
        assert app.submitted is not None and app.applicant is not None
        listed = await is_blacklisted(uow.conn, deps.secret, app.applicant.id_number)
        today = await _business_date(uow, deps)
        events = app.disburse(str(uuid.uuid4()), cmd.disbursed_by, today, deps.rules[app.submitted.product], fresh,
                              listed)
        await _save(uow, deps, app, version, events)
    d = app.disbursement
    assert d is not None
    log.info("application %s disbursed by %s on %s", app.id, cmd.disbursed_by, today)
    return {"loan_id": d.loan_id, "application_id": app.id, "disbursement_date": d.disbursement_date.isoformat(),
            "due_day": d.due_day, "principal": f"{d.principal:.2f}"}


async def reveal_application(cmd: RevealApplication, deps: Deps) -> Answer:
    """The application with ID numbers, phones and addresses unmasked, for a loan officer with a reason.

    Issue 16: "revealing it is an explicit act with a reason ... recorded (who, when, case, reason) in an
    access audit": the record is written in the read's own transaction, so nothing unrecorded is shown
    and a refused or unknown application records nothing.
    """
    check_reveal(cmd.roles)
    async with deps.kernel.unit_of_work() as uow:
        app, version = await _load(uow, deps, cmd.application_id)
        await access_audit.record(uow.conn, cmd.viewer, "application", app.id, cmd.reason, roles=cmd.roles)
        borrower_id = await uow.conn.fetchval(
            "SELECT key_id FROM application_keys WHERE application_id = $1", app.id)
    log.info("application %s: personal data revealed to %s", app.id, cmd.viewer)
    view = _state(deps, app, version, reveal=True)
    if borrower_id is not None:
        view["borrower_id"] = borrower_id
    return view


COMMAND_HANDLERS: dict[type[Any], Handler[Deps]] = {
    SubmitApplication: submit_application,
    ReviewApplication: review_application,
    InvestigateApplication: investigate_application,
    AmendApplication: amend_application,
    DisburseApplication: disburse_application,
    RevealApplication: reveal_application,
    EraseBorrower: erase_borrower,
    RevealIdentity: borrower_identity,
}


async def _credit_report(draft: Draft, deps: Deps) -> tuple[CreditReport, str]:
    """The report filed with the application, else the bureau's (with the applicant's authorisation only);
    neither is a 422."""
    if draft.credit_report is not None:
        return draft.credit_report, "applicant"
    require_bureau_authorisation(draft.credit_authorisation)
    report = await deps.bureau.report_for(draft.applicant.id_number)
    if report is None:
        raise InvalidApplication("a credit report is required", details=[{
            "field": "credit_report", "type": "missing",
            "message": "required: none in the request and the credit bureau has none"}])
    return report, "bureau"


async def _load(uow: UnitOfWork, deps: Deps, application_id: str) -> tuple[Application, int]:
    app, version = await repository.load(uow, application_id, deps.ring)
    if version == 0:
        raise UnknownApplication(f"no application {application_id}")
    return app, version


async def _save(uow: UnitOfWork, deps: Deps, app: Application, version: int, events: list[Any],
                key: DataKey | None = None) -> int:
    """Append and apply `events`, their personal fields sealed with the borrower's key, and update the list row."""
    if key is None:
        key = await data_keys.key_of_application(uow.conn, deps.ring, app.id)
    new_version = await repository.save(uow, app, version, events, await _business_date(uow, deps), key)
    await applications_table.upsert(uow.conn, app, new_version)
    return new_version


async def _business_date(uow: UnitOfWork, deps: Deps) -> date:
    return await current_business_date(uow.conn, deps.kernel.platform, deps.kernel.clock)


async def _blacklist(uow: UnitOfWork, deps: Deps, app: Application, reason: str, by: str) -> None:
    assert app.applicant is not None
    await blacklist(uow.conn, deps.secret, app.applicant.id_number, app.id, reason, by)
    log.info("application %s: applicant blacklisted by %s (%s)", app.id, by, reason)


def _state(deps: Deps, app: Application, version: int, *, reveal: bool = False) -> Answer:
    assert app.submitted is not None
    return application_view(app, version, deps.rules[app.submitted.product], reveal=reveal)
