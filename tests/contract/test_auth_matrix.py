"""Every route of every service, called with no token and with each role of shared/auth.py ROLES,
answers as tests/contract/auth_matrix.yaml says: 401 without a token, 403 for a role not listed,
neither (nor a 5xx) for a listed one; partner routes take only HMAC signatures; ops routes are public.

The four real apps run once for the module (real PostgreSQL and broker, relay and consumers
included), called in-process. Ids in paths are dummies and POST bodies empty, so an allowed role
may well get 404 or 422: only the authorization is judged. A route of an app that the table does
not name fails the first test, so a new route cannot ship without saying who may call it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts

from loanflow.testing import bearer
from shared.auth import ROLES
from shared.config import SERVICES

TABLE_PATH = Path(__file__).with_name("auth_matrix.yaml")
TABLE: dict[str, dict[str, Any]] = yaml.safe_load(TABLE_PATH.read_text())
DUMMY_ID = "authz-matrix-nonexistent"
SKIPPED_METHODS = {"HEAD"}  # Starlette's automatic HEAD on documentation routes


def operations(app: FastAPI) -> list[str]:
    """`METHOD /path` of every route the app serves (included routers flattened)."""
    ops = []
    for route in iter_route_contexts(app.routes):
        for method in sorted((route.methods or set()) - SKIPPED_METHODS):
            ops.append(f"{method} {route.path}")
    return ops


def allowed(rule: Any) -> str | frozenset[str]:
    """`public`, `partner`, or the set of roles a table entry allows (`any`: all of ROLES)."""
    if rule in ("public", "partner"):
        return str(rule)
    if rule == "any":
        return frozenset(ROLES)
    if isinstance(rule, list) and rule and set(rule) <= set(ROLES):
        return frozenset(rule)
    raise AssertionError(f"{TABLE_PATH.name}: {rule!r} is not public, partner, any or a list of roles {ROLES}")


def verdict(rule: str | frozenset[str], role: str | None, status: int) -> str | None:
    """What is wrong with `status` for this caller (None: as the table says)."""
    if rule == "public":
        return None if status not in (401, 403) else "public, but refused"
    if rule == "partner":
        return None if status == 401 else "a partner route answered a request without a signature"
    if role is None:
        return None if status == 401 else "no token must be 401"
    if role not in rule:
        return None if status == 403 else f"{role} is not in the table: must be 403"
    if status in (401, 403):
        return f"{role} is allowed by the table but was refused"
    return None if status < 500 else "server error"


def test_the_table_names_the_four_services():
    assert sorted(TABLE) == sorted(SERVICES)


@pytest.mark.parametrize("service", SERVICES)
async def test_every_route_has_an_entry_and_every_entry_a_route(services, service: str):
    served = set(operations(services[service][0]))
    table = set(TABLE[service])
    assert not served - table, (
        f"{service}: routes missing from {TABLE_PATH.name} (add who may call each: public, partner, any "
        f"or a list of roles): {sorted(served - table)}")
    assert not table - served, f"{service}: {TABLE_PATH.name} names routes the app does not serve: " \
                               f"{sorted(table - served)}"


@pytest.mark.parametrize("service", SERVICES)
async def test_each_caller_gets_401_403_or_through_as_the_table_says(services, service: str):
    app, client = services[service]
    wrong = []
    walked = 0
    for op in operations(app):
        if op not in TABLE[service]:
            continue  # reported by the test above
        rule = allowed(TABLE[service][op])
        method, path = op.split(" ", 1)
        url = re.sub(r"\{[^}]+\}", DUMMY_ID, path)
        body = {"json": {}} if method in ("POST", "PUT", "PATCH") else {}
        callers: list[tuple[str | None, dict[str, str]]] = [(None, {})]
        callers += [(role, bearer(app, f"matrix-{role}", role)) for role in ROLES]
        if rule == "partner":  # a partner id without a signature is no better than nothing
            callers.append((None, {"X-Partner-Id": "ptn_matrix", "Idempotency-Key": "k"}))
        for role, headers in callers:
            status = (await client.request(method, url, headers=headers, **body)).status_code
            walked += 1
            problem = verdict(rule, role, status)
            if problem:
                wrong.append(f"{op} as {role or 'no token'}: {status} ({problem})")
    assert walked >= len(TABLE[service]) * (len(ROLES) + 1)
    assert wrong == [], f"{service} disagrees with {TABLE_PATH.name}:\n" + "\n".join(wrong)


def test_the_verdicts_catch_what_they_should():
    """The rule alone: a refused allowed role, a let-through wrong role, a 500, a partner route open to tokens."""
    admins = allowed(["admin"])
    assert verdict(admins, "admin", 404) is None and verdict(admins, "admin", 422) is None
    assert verdict(admins, "admin", 403) and verdict(admins, "admin", 500)
    assert verdict(admins, "collector", 200) and verdict(admins, "collector", 403) is None
    assert verdict(admins, None, 403) and verdict(admins, None, 401) is None
    assert verdict("partner", "admin", 422) and verdict("partner", None, 401) is None
    assert verdict("public", None, 503) is None and verdict("public", "qa", 401)
    assert allowed("any") == frozenset(ROLES)
    with pytest.raises(AssertionError):
        allowed(["superuser"])
