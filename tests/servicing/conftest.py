"""Servicing fixtures: the app on real PostgreSQL (background off unless a test needs Kafka),
a way to disburse loans through the same handler the consumer runs, and a signed partner."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import httpx
import pytest

from loanflow.testing import bearer, running
from services.servicing.bootstrap import create_app
from services.servicing.config import ServicingSettings
from services.servicing.service_layer.handlers import on_loan_disbursed
from shared.auth import sign
from shared.config import PlatformSettings
from shared.contracts.envelope import CloudEvent
from shared.contracts.origination import Borrower, ContactPerson, LoanDisbursed
from shared.contracts.registry import make_event

START = date(2026, 3, 1)


def settings(**overrides: Any) -> ServicingSettings:
    return ServicingSettings(**overrides)


@dataclass
class ServicingApp:
    """A running servicing app, an admin header and helpers telling the loan's story."""

    app: Any
    client: httpx.AsyncClient
    admin: dict[str, str]
    reader: dict[str, str]

    async def disburse(self, *, principal: str = "3000.00", rate: str = "0.24", months: int = 6,
                       method: str = "equal_installment", on: date = START, due_day: int = 20,
                       product: str = "credit") -> str:
        loan_id = f"loan-{uuid.uuid4().hex[:12]}"
        data = LoanDisbursed(
            loan_id=loan_id, application_id=f"app-{loan_id}",
            borrower=Borrower(name="王小明", id_number_masked="110101********1234", phone="13800138000"),
            principal=Decimal(principal), annual_rate=Decimal(rate), term_months=months, repayment_method=method,
            disbursement_date=on, due_day=due_day, product=product,
            contacts=[ContactPerson(relation="family", name="王大明", phone="13900139000")], disbursed_by="carol")
        event = make_event("origination", data, subject=loan_id, businessdate=on)
        kernel = self.app.state.kernel
        async with kernel.db.acquire() as conn, conn.transaction():
            await on_loan_disbursed(conn, self.app.state.servicing, event)
        return loan_id

    async def partner(self, channel: str | None = None) -> dict[str, str]:
        r = await self.client.post("/v1/partners", json={"name": "Alipay", "channel": channel}, headers=self.admin)
        assert r.status_code == 201, r.text
        return r.json()

    async def pay(self, partner: dict[str, str], loan_id: str, amount: str, *, key: str | None = None,
                  at: int | None = None, secret: str | None = None, ref: str | None = None) -> httpx.Response:
        body = json.dumps({"loan_id": loan_id, "amount": amount, "paid_at": "2026-04-20T10:00:00+08:00",
                           "external_ref": ref or f"ext-{uuid.uuid4().hex[:8]}"}).encode()
        return await self.post_signed(partner, body, key=key, at=at, secret=secret)

    async def post_signed(self, partner: dict[str, str], body: bytes, *, key: str | None = None,
                          at: int | None = None, secret: str | None = None) -> httpx.Response:
        """POST /v1/repayments with raw `body`, signed as the partner."""
        headers = {"X-Partner-Id": partner["partner_id"], "Content-Type": "application/json",
                   "X-Signature": sign(secret or partner["secret"], body, at or int(time.time())),
                   "Idempotency-Key": key or uuid.uuid4().hex}
        return await self.client.post("/v1/repayments", content=body, headers=headers)

    async def advance(self, to: date) -> dict[str, Any]:
        """POST the advance; when it answers 202, follow its job to the end. The 200 answer's shape."""
        r = await self.client.post("/v1/business-date/advance", json={"to": to.isoformat()}, headers=self.admin)
        return await self.advanced(r)

    async def advanced(self, r: httpx.Response) -> dict[str, Any]:
        """An advance's answer once its job has ended (200 as is; 202 followed, then its closed days)."""
        assert r.status_code in (200, 202), r.text
        if r.status_code == 200:
            return r.json()
        job = await self.job_done(r.json()["job_id"])
        days = await self.client.get("/v1/business-date/closes", headers=self.reader, params={
            "from": job["first_day"], "to": job["to"], "limit": 500})
        return {**job, "closed": days.json()["items"], "days_closed": job["days_done"]}

    async def job_done(self, job_id: str, timeout: float = 120.0) -> dict[str, Any]:
        """Poll the advance job until it is no longer running; it must have ended `done`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            r = await self.client.get(f"/v1/business-date/jobs/{job_id}", headers=self.reader)
            assert r.status_code == 200, r.text
            if r.json()["status"] != "running":
                assert r.json()["status"] == "done", r.text
                return r.json()
            await asyncio.sleep(0.1)
        raise AssertionError(f"advance job {job_id} still running after {timeout} s")

    async def loan(self, loan_id: str) -> dict[str, Any]:
        r = await self.client.get(f"/v1/loans/{loan_id}", headers=self.reader)
        assert r.status_code == 200, r.text
        return r.json()

    async def drain(self) -> Any:
        """One pass of the credit-bureau submitter, as its background loop runs it (Drained counts)."""
        return await self.app.state.bureau_submitter.drain()

    async def submission(self, record_id: str) -> dict[str, Any]:
        r = await self.client.get(f"/v1/credit-bureau/submissions/{record_id}", headers=self.admin)
        assert r.status_code == 200, r.text
        return r.json()

    async def events(self, loan_id: str) -> list[dict[str, Any]]:
        async with self.app.state.kernel.db.acquire() as conn:
            rows = await conn.fetch("SELECT envelope FROM events WHERE stream_id = $1 ORDER BY version",
                                    f"loan-{loan_id}")
        return [r["envelope"] for r in rows]


@asynccontextmanager
async def servicing_app(platform: PlatformSettings, **overrides: Any) -> AsyncIterator[ServicingApp]:
    """Servicing with its API only (no relay or consumers), its business date starting on START."""
    local = platform.model_copy(update={"run_background": False, "start_date": START.isoformat()})
    app = create_app(settings(**overrides), local)
    async with running(app) as client:
        yield ServicingApp(app, client, bearer(app, "root", "admin"), bearer(app, "dora", "collector"))


@pytest.fixture
async def servicing(platform, _drop_platform_dbs):
    """Servicing with its API only (no relay or consumers): handlers are called directly."""
    async with servicing_app(platform) as app:
        yield app


class KnownSubjects:
    """A test double of the identity port: the subject as `loan.disbursed` told servicing (for tests of the
    queue's mechanics; `Lender` below asks the real origination)."""

    async def subject(self, conn: Any, submission: Any) -> Any:
        from services.servicing.adapters import credit_subjects

        return await credit_subjects.get(conn, submission.loan_id)


@dataclass
class Lender:
    """Origination and servicing side by side, in-process on the same platform: servicing's submitter asks the
    real origination app for the borrower's identity (over ASGI, with the token servicing signs itself)."""

    origination: Any
    client: httpx.AsyncClient  # origination's
    servicing: ServicingApp

    def as_(self, who: str, *roles: str) -> dict[str, str]:
        return bearer(self.origination, who, *roles)

    async def loan(self, body: dict[str, Any]) -> tuple[str, str, str]:
        """File, approve and disburse `body` in origination; servicing gets `loan.disbursed` as published (ID
        number masked, name sealed). Answers the loan id, the borrower id and the application id."""
        from tests.origination.factory import VERIFIED

        r = await self.client.post("/v1/applications", json=body, headers=self.as_("alice", "client_manager"))
        assert r.status_code == 201, r.text
        app_id = r.json()["id"]
        for stage, who in (("client_manager", "alice"), ("team_manager", "bob"), ("credit_manager", "carol")):
            review: dict[str, Any] = {"stage": stage, "decision": "approve"}
            if stage == "client_manager":
                review["contact_verifications"] = VERIFIED
            r = await self.client.post(f"/v1/applications/{app_id}/reviews", json=review, headers=self.as_(who, stage))
            assert r.status_code == 201, r.text
        r = await self.client.post(f"/v1/applications/{app_id}/disbursement",
                                   headers=self.as_("carol", "credit_manager"))
        assert r.status_code == 201, r.text
        loan_id = r.json()["loan_id"]
        borrower_id = (await self.client.get(f"/v1/applications/{app_id}",
                                             headers=self.as_("erin", "credit_manager"))).json()["borrower_id"]
        published = (await self.client.get("/v1/events", params={"limit": 5000},
                                           headers=self.as_("ops", "admin"))).json()["items"]
        [disbursed] = [CloudEvent.model_validate(e["event"]) for e in published
                       if e["event"]["type"] == "loan.disbursed" and e["event"]["subject"] == loan_id]
        kernel = self.servicing.app.state.kernel
        async with kernel.db.acquire() as conn, conn.transaction():
            await on_loan_disbursed(conn, self.servicing.app.state.servicing, disbursed)
        return loan_id, borrower_id, app_id


@asynccontextmanager
async def lender(platform: PlatformSettings, origination_settings: Any = None,
                 **overrides: Any) -> AsyncIterator[Lender]:
    """Origination (business date START) and servicing with credit-bureau reporting asking origination."""
    from services.origination.bootstrap import create_app as create_origination
    from services.origination.config import OriginationSettings
    from services.servicing.bootstrap import bureau_identities

    local = platform.model_copy(update={"run_background": False, "start_date": START.isoformat()})
    origination = create_origination(origination_settings or OriginationSettings(), local)
    async with running(origination) as client, servicing_app(platform, **overrides) as servicing:
        identities = bureau_identities(servicing.app.state.kernel, servicing.app.state.servicing.settings)
        identities.base_url, identities.transport = "http://origination", httpx.ASGITransport(app=origination)
        servicing.app.state.bureau_submitter.identities = identities
        yield Lender(origination, client, servicing)
