"""Signing out on one workbench replica refuses the session on every replica (issue 16): with
LOANFLOW_WORKBENCH_DATABASE_URL the revocations are rows in PostgreSQL that each replica reads before its
check; without it, a file under LOANFLOW_HOME that only processes on the same host share. Two replicas on
two "hosts" (two homes), one shared database, the real app in-process (no service is called)."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import asyncpg
import pytest
from fastapi.testclient import TestClient

from services.workbench.adapters.revocations import token_id
from services.workbench.bootstrap import create_app
from services.workbench.config import WorkbenchSettings
from shared.config import PlatformSettings

DOWN = {f"{s}_url": "http://127.0.0.1:9" for s in ("origination", "servicing", "collections", "reporting")}


@pytest.fixture
def shared_db(make_db) -> str:
    return asyncio.run(make_db("workbench"))


def replica(home: Path, secret: str, database_url: str | None) -> TestClient:
    """A workbench replica on its own host (its own LOANFLOW_HOME), the company's signing key."""
    home.mkdir(parents=True, exist_ok=True)
    settings = WorkbenchSettings(**DOWN, database_url=database_url)
    return TestClient(create_app(settings, PlatformSettings(home=home, env="test", jwt_secret=secret)),
                      follow_redirects=False)


def signed_in_token(app: TestClient, user: str = "collector-f1") -> str:
    app.get("/dev-login", params={"user": user, "role": "collector"})
    return app.cookies["lf_session"]


def sign_out(app: TestClient) -> None:
    csrf = app.get("/login").text.split('name="csrf_token" value="')[1].split('"')[0]
    assert app.post("/logout", data={"csrf_token": csrf}).status_code == 303


def refused(app: TestClient, token: str) -> bool:
    app.cookies.set("lf_session", token)
    page = app.get("/queue")
    return page.status_code == 303 and page.headers["location"].startswith("/login")


async def rows(dsn: str) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(dsn)
    try:
        return await conn.fetch("SELECT token_id, expires_at FROM workbench_revoked_sessions ORDER BY seq")
    finally:
        await conn.close()


def test_a_sign_out_on_one_replica_refuses_the_cookie_on_the_other_at_its_next_request(tmp_path, shared_db):
    secret = "wb-" + uuid.uuid4().hex
    a, b = replica(tmp_path / "a", secret, shared_db), replica(tmp_path / "b", secret, shared_db)
    token = signed_in_token(a)
    b.cookies.set("lf_session", token)
    assert b.get("/").headers["location"] == "/queue", "the copy works on the other replica while signed in"
    sign_out(a)
    assert refused(b, token), "the other replica refuses it at once, no file shared"
    assert b.get("/").headers["location"] == "/login"
    assert refused(a, token)
    later = replica(tmp_path / "c", secret, shared_db)  # a replica started after the sign-out
    assert refused(later, token)
    nonce = later.get("/login").cookies["lf_login_csrf"]
    again = later.post("/login", data={"csrf_token": nonce, "token": token})
    assert again.status_code == 401 and "lf_session" not in again.cookies, "the token starts no new session"
    [row] = asyncio.run(rows(shared_db))
    assert row["token_id"] == token_id(token) and token not in repr(row), "its hash and expiry, not the token"
    assert not (tmp_path / "a" / "workbench" / "revoked-sessions").exists(), "no file with a database"
    # a new session, untouched (another person: tokens carry no nonce, so the same person's sign-in within the
    # same second would be the very token signed out above)
    fresh = signed_in_token(replica(tmp_path / "b2", secret, shared_db), "collector-f2")
    assert not refused(replica(tmp_path / "a2", secret, shared_db), fresh)


def test_without_the_database_the_file_reaches_only_processes_of_the_same_host(tmp_path):
    """What the database fixes: two hosts, a file each: a sign-out on one leaves the copy valid on the other."""
    secret = "wb-" + uuid.uuid4().hex
    a, b = replica(tmp_path / "a", secret, None), replica(tmp_path / "b", secret, None)
    token = signed_in_token(a)
    sign_out(a)
    assert refused(replica(tmp_path / "a", secret, None), token), "same host: refused"
    assert not refused(b, token), "another host without the database: still signed in (documented)"


def test_expired_revocations_are_dropped_and_an_unreachable_store_refuses_every_session(tmp_path, shared_db):
    secret = "wb-" + uuid.uuid4().hex
    a = replica(tmp_path / "a", secret, shared_db)
    signed_in_token(a)
    sign_out(a)

    async def expire() -> None:
        conn = await asyncpg.connect(shared_db)
        try:
            await conn.execute("UPDATE workbench_revoked_sessions SET expires_at = now() - interval '1 minute'")
        finally:
            await conn.close()

    asyncio.run(expire())
    restarted = replica(tmp_path / "a3", secret, shared_db)
    restarted.get("/queue")  # the first look prunes what expired
    assert asyncio.run(rows(shared_db)) == []

    down = replica(tmp_path / "d", secret, "postgresql://postgres@127.0.0.1:9/nowhere")
    fresh = TestClient(create_app(WorkbenchSettings(**DOWN), PlatformSettings(home=tmp_path / "e", env="test",
                                                                              jwt_secret=secret)))
    down.cookies.set("lf_session", signed_in_token(fresh))
    page = down.get("/queue")
    assert page.status_code == 503 and "service_unavailable" in page.text, "fail closed: no session is served"


def test_a_sign_out_committed_after_a_later_one_is_still_read(tmp_path, shared_db):
    """Replica B has read sign-out #5; a sign-out numbered #3 on another replica commits only now: B refuses it
    too (the rows of the last seconds are read again, not only those after the last number seen)."""
    secret = "wb-" + uuid.uuid4().hex
    a, b = replica(tmp_path / "a", secret, shared_db), replica(tmp_path / "b", secret, shared_db)
    late = signed_in_token(replica(tmp_path / "late", secret, shared_db))
    signed_in_token(a)
    assert not refused(b, late)

    async def record(seq: int, tid: str) -> None:
        conn = await asyncpg.connect(shared_db)
        try:
            await conn.execute("INSERT INTO workbench_revoked_sessions (seq, token_id, expires_at) "
                               "VALUES ($1, $2, now() + interval '1 hour')", seq, tid)
        finally:
            await conn.close()

    asyncio.run(record(5, "f" * 64))
    assert not refused(b, late), "B has read #5"
    asyncio.run(record(3, token_id(late)))
    assert refused(b, late)
