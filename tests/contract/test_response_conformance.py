"""Origination's answers conform to its /openapi.json: schemathesis fuzzes every operation of the live
service (real PostgreSQL and broker) and checks each response against the documented schema.

An application is walked from filing to disbursement first, so the fuzzed reads also find real
data; every answer of that walk is checked against its operation too.
"""

from __future__ import annotations

import socket
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import schemathesis
import uvicorn
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from services.origination.bootstrap import create_app
from services.origination.config import OriginationSettings
from shared.auth import TokenIssuer
from shared.config import PlatformSettings
from tests.origination.factory import VERIFIED, application

EVERY_ROLE = ["client_manager", "team_manager", "credit_manager", "admin", "reporting"]


@dataclass
class Live:
    url: str
    issuer: TokenIssuer

    def as_(self, who: str, *roles: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.issuer.issue(who, list(roles))}"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def live(pg_url, kafka_bootstrap, tmp_path_factory, _created_databases) -> Iterator[Live]:
    """Origination served by uvicorn on a free port (its own thread and event loop), ready."""
    home = tmp_path_factory.mktemp("conformance")
    platform = PlatformSettings(env="test", home=home, database_url=pg_url, kafka_bootstrap=kafka_bootstrap,
                                topic_prefix=f"t{uuid.uuid4().hex[:10]}", jwt_secret="k-" + uuid.uuid4().hex,
                                topic_partitions=1, log_json=False, start_date="2026-03-01")
    _created_databases.append(platform.service_dsn("origination"))
    app = create_app(OriginationSettings(), platform)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                break
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    else:
        raise AssertionError("origination did not become ready")
    yield Live(url, app.state.token_issuer)
    server.should_exit = True
    thread.join(timeout=30)


@pytest.fixture(scope="module")
def origination_schema(live: Live) -> Any:
    return schemathesis.openapi.from_url(f"{live.url}/openapi.json")


def test_a_loan_walked_from_filing_to_disbursement_answers_as_documented(live, origination_schema):
    """Every 2xx of the lifecycle (and the ops routes) conforms to its operation's schema."""
    seen = []

    def call(method: str, path: str, template: str, headers: dict[str, str], **kw: Any) -> httpx.Response:
        r = httpx.request(method, live.url + path, headers=headers, timeout=30, **kw)
        assert r.is_success, (path, r.text)
        origination_schema[template][method].validate_response(r)
        seen.append(f"{method} {template}")
        return r

    body = application()
    app_id = call("POST", "/v1/applications", "/v1/applications",
                  {**live.as_("alice", "client_manager"), "Idempotency-Key": "conf-1"}, json=body).json()["id"]
    call("POST", "/v1/applications", "/v1/applications",  # the replay is documented too
         {**live.as_("alice", "client_manager"), "Idempotency-Key": "conf-1"}, json=body)
    rejected = application()
    rejected["credit_report"]["max_overdue_months"] = 4
    call("POST", "/v1/applications", "/v1/applications", live.as_("alice", "client_manager"), json=rejected)
    one = "/v1/applications/{application_id}"
    call("POST", f"/v1/applications/{app_id}/amendments", one + "/amendments", live.as_("alice", "client_manager"),
         json={"reason": "phone changed", "applicant": {**body["applicant"], "phone": "13912345678"}})
    for stage, who in (("client_manager", "alice"), ("team_manager", "bob"), ("credit_manager", "carol")):
        review = {"stage": stage, "decision": "approve", "note": "ok"}
        if stage == "client_manager":
            review["contact_verifications"] = VERIFIED
        call("POST", f"/v1/applications/{app_id}/reviews", one + "/reviews", live.as_(who, stage), json=review)
    call("POST", f"/v1/applications/{app_id}/disbursement", one + "/disbursement", live.as_("carol", "credit_manager"))
    state = call("GET", f"/v1/applications/{app_id}", one, live.as_("erin", "admin")).json()
    assert state["status"] == "disbursed" and state["loan_id"]
    page = call("GET", "/v1/applications?limit=1", "/v1/applications", live.as_("erin", "admin")).json()
    assert len(page["items"]) == 1 and page["next_cursor"]
    events = call("GET", "/v1/events?limit=3", "/v1/events", live.as_("rita", "reporting")).json()
    assert len(events["items"]) == 3
    for ops in ("/healthz", "/readyz", "/metrics"):
        call("GET", ops, ops, {})
    assert len(seen) == 14


def test_the_check_refuses_an_answer_off_its_schema(live, origination_schema):
    healthz = origination_schema["/healthz"]["GET"]
    with pytest.raises(AssertionError, match="Response violates schema"):
        healthz.validate_response(httpx.get(f"{live.url}/readyz"))  # readiness is not what /healthz promises
    healthz.validate_response(httpx.get(f"{live.url}/healthz"))


big = application(amount="150000.00")  # above the credit threshold: needs the field investigation


def test_an_investigated_application_answers_as_documented(live, origination_schema):
    r = httpx.post(f"{live.url}/v1/applications", json=big, headers=live.as_("alice", "client_manager"))
    app_id = r.json()["id"]
    path = "/v1/applications/{application_id}/investigation"
    investigated = httpx.post(f"{live.url}/v1/applications/{app_id}/investigation",
                              json={"findings": "shop visited, stock as declared", "decision": "approve"},
                              headers=live.as_("tom", "team_manager"))
    assert investigated.status_code == 201, investigated.text
    origination_schema[path]["POST"].validate_response(investigated)
    assert investigated.json()["investigation"]["decision"] == "approve"


def test_every_operation_answers_as_documented_and_never_500(live, origination_schema):
    """Generated requests (valid and not) to every operation, with a token holding every origination role."""
    headers = live.as_("fuzz", *EVERY_ROLE)
    operations = [result.ok() for result in origination_schema.get_all_operations()]
    assert len(operations) >= 10

    for operation in operations:
        @given(case=operation.as_strategy())
        @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def answers_as_documented(case: schemathesis.Case) -> None:
            case.call_and_validate(base_url=live.url, headers=headers, timeout=30,
                                   checks=[response_schema_conformance, not_a_server_error])

        answers_as_documented()
