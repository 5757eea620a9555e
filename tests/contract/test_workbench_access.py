"""Every page and form of the workbench, opened with no session and signed in as each role of
shared/auth.py ROLES, answers as tests/contract/workbench_access.yaml says.

The workbench keeps no data and enforces nothing on its own for most pages: it passes the person's
token to the APIs, whose refusals it shows (403 page). So this walk checks both that every page says
who may open it and that the pages and the APIs behind them agree. The four services and the workbench
run in-process on real PostgreSQL and the broker; the workbench reaches the services through an
ASGI transport. Ids are dummies and forms carry only the CSRF token: an allowed role may get 404, 409,
422 or a redirect, never 401/403, the sign-in page or a 5xx.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts

from loanflow.testing import running
from services.workbench.adapters.api import Api
from services.workbench.bootstrap import create_app
from services.workbench.config import WorkbenchSettings
from services.workbench.entrypoints.web.session import CSRF_FIELD, SESSION_COOKIE, csrf_for
from shared.auth import ROLES, TokenIssuer
from shared.config import SERVICES, PlatformSettings

TABLE_PATH = Path(__file__).with_name("workbench_access.yaml")
TABLE: dict[str, Any] = yaml.safe_load(TABLE_PATH.read_text())
DUMMY_ID = "wb-matrix-nonexistent"
# path parameters that name a kind of action rather than a record: a real one, so the API's rule is reached
SAMPLES = {"action": "contacts", "decision": "approve", "report": "loan-book"}
APPLICATION_ACTION = "reviews"
SKIPPED_METHODS = {"HEAD"}


class ServicesTransport(httpx.AsyncBaseTransport):
    """Sends each request to the in-process app of the service whose host it names."""

    def __init__(self, apps: dict[str, FastAPI]) -> None:
        self.transports = {service: httpx.ASGITransport(app=app) for service, app in apps.items()}

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self.transports[request.url.host].handle_async_request(request)


def pages(app: FastAPI) -> list[str]:
    """`METHOD /path` of every route the workbench serves (the static mount excluded)."""
    found = []
    for route in iter_route_contexts(app.routes):
        methods = getattr(route, "methods", None)
        for method in sorted((methods or set()) - SKIPPED_METHODS):
            found.append(f"{method} {route.path}")
    return found


def concrete(path: str) -> str:
    samples = {**SAMPLES, "action": APPLICATION_ACTION} if path.startswith("/applications/") else SAMPLES
    return re.sub(r"\{([^}:]+)(:[^}]*)?\}", lambda m: samples.get(m.group(1), DUMMY_ID), path)


def allowed(rule: Any) -> str | frozenset[str]:
    if rule in ("public", "signed_in"):
        return str(rule)
    if isinstance(rule, list) and rule and set(rule) <= set(ROLES):
        return frozenset(rule)
    raise AssertionError(f"{TABLE_PATH.name}: {rule!r} is not public, signed_in or a list of roles {ROLES}")


def to_sign_in(response: httpx.Response, *, to_return: bool = False) -> bool:
    """Sent to the sign-in page (`to_return`: to come back to this page after it, as a page refused for want of a
    session is; signing out also ends on /login)."""
    location = response.headers.get("location", "")
    return response.status_code in (302, 303, 307) and location.startswith("/login?next=" if to_return else "/login")


def verdict(rule: str | frozenset[str], role: str | None, response: httpx.Response) -> str | None:
    """What is wrong with this answer for this caller (None: as the table says)."""
    status = response.status_code
    if status >= 500:
        return "server error"
    if rule == "public":
        return None if status != 401 and not to_sign_in(response) else "public, but sent to sign in"
    if role is None or role == "service":
        return None if to_sign_in(response) else "no session must be sent to the sign-in page"
    if rule == "signed_in" or role in rule:
        return None if status not in (401, 403) and not to_sign_in(response, to_return=True) else \
            f"{role} is allowed by the table but was refused"
    return None if status == 403 else f"{role} is not in the table: must be 403"


@pytest.fixture(scope="module")
async def workbench(services: dict[str, tuple[FastAPI, httpx.AsyncClient]], matrix_platform: PlatformSettings,
                    tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    settings = WorkbenchSettings(**{f"{s}_url": f"http://{s}" for s in SERVICES},
                                 revoked_sessions_file=tmp_path_factory.mktemp("wb") / "revoked")
    api = Api(settings.api_urls(), transport=ServicesTransport({s: app for s, (app, _) in services.items()}))
    app = create_app(settings, matrix_platform, api)
    async with running(app) as client:
        yield app, client


def test_every_page_has_an_entry_and_every_entry_a_page():
    app = create_app(WorkbenchSettings(), None, None)
    served, table = set(pages(app)), set(TABLE)
    assert not served - table, f"pages missing from {TABLE_PATH.name} (say who may open each): {sorted(served - table)}"
    assert not table - served, f"{TABLE_PATH.name} names pages the workbench does not serve: {sorted(table - served)}"


async def test_each_person_opens_the_pages_the_table_gives_them_and_is_refused_the_others(
        workbench: tuple[FastAPI, httpx.AsyncClient], matrix_platform: PlatformSettings):
    app, client = workbench
    key = matrix_platform.signing_key()
    issuer = TokenIssuer(key)
    wrong, walked = [], 0
    for op in pages(app):
        if op not in TABLE:
            continue  # reported by the test above
        rule = allowed(TABLE[op])
        method, path = op.split(" ", 1)
        for role in (None, *ROLES):
            client.cookies.clear()
            form = None
            if role is not None:  # a token of its own per request: signing out (POST /logout) revokes only it
                token = issuer.issue(f"wb-matrix-{role}-{walked}", [role])
                client.cookies.set(SESSION_COOKIE, token)
                form = {CSRF_FIELD: csrf_for(key, token)}
            response = await client.request(method, concrete(path), data=form if method == "POST" else None,
                                            follow_redirects=False)
            walked += 1
            problem = verdict(rule, role, response)
            if problem:
                wrong.append(f"{op} as {role or 'no session'}: {response.status_code} "
                             f"{response.headers.get('location', '')} ({problem})")
    assert walked == len(TABLE) * (len(ROLES) + 1)
    assert wrong == [], f"the workbench disagrees with {TABLE_PATH.name}:\n" + "\n".join(wrong)


def test_the_verdicts_catch_what_they_should():
    """The rule alone: a refused allowed role, a let-through other role, a 5xx, a public page behind sign-in."""
    def answer(status: int, location: str = "") -> httpx.Response:
        return httpx.Response(status, headers={"location": location} if location else {})

    supervisors = allowed(["collections_supervisor"])
    assert verdict(supervisors, "collections_supervisor", answer(404)) is None
    assert verdict(supervisors, "collections_supervisor", answer(303, "/board")) is None
    assert verdict(supervisors, "collections_supervisor", answer(403))
    assert verdict(supervisors, "collections_supervisor", answer(303, "/login?next=%2Fboard"))
    assert verdict(supervisors, "collector", answer(403)) is None and verdict(supervisors, "collector", answer(200))
    assert verdict(supervisors, "collector", answer(422)) and verdict(supervisors, "admin", answer(500))
    assert verdict(supervisors, None, answer(303, "/login?next=%2F")) is None
    assert verdict(supervisors, None, answer(403)) and verdict(supervisors, "service", answer(403))
    assert verdict(supervisors, "service", answer(303, "/login")) is None
    assert verdict("public", None, answer(403)) is None and verdict("public", None, answer(303, "/login"))
    assert verdict("signed_in", "qa", answer(303, "/qa")) is None
    with pytest.raises(AssertionError):
        allowed(["superuser"])
