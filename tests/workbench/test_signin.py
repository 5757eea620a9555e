"""Sign-in and the session: dev-login outside production only, HttpOnly SameSite cookie, CSRF on forms,
the company JWT from the OIDC proxy in production. The real app in-process; no service is called."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from services.workbench.bootstrap import create_app
from services.workbench.config import WorkbenchSettings
from shared.auth import TokenIssuer
from shared.config import PlatformSettings

# Nothing listens here: a page that needed an API would show service_unavailable.
DOWN = {f"{s}_url": "http://127.0.0.1:9" for s in ("origination", "servicing", "collections", "reporting")}


def client(tmp_path: Path, **platform: object) -> TestClient:
    settings = WorkbenchSettings(**DOWN)
    return TestClient(create_app(settings, PlatformSettings(home=tmp_path, **platform)), follow_redirects=False)


@pytest.fixture
def dev(tmp_path: Path) -> TestClient:
    return client(tmp_path, env="test")


@pytest.mark.parametrize(("roles", "home"), [
    (["collector"], "/queue"), (["collections_supervisor"], "/board"), (["client_manager"], "/applications"),
    (["reporting"], "/reports"), (["reporting", "collector"], "/queue"),
])
def test_dev_login_signs_in_and_goes_to_the_roles_home_page(dev: TestClient, roles: list[str], home: str):
    answer = dev.get("/dev-login", params={"user": "collector-f1", "role": roles, "lang": "en"})
    assert answer.status_code == 303 and answer.headers["location"] == home
    cookies = answer.headers.get_list("set-cookie")
    session = next(c for c in cookies if c.startswith("lf_session="))
    assert "HttpOnly" in session and "SameSite=lax" in session and "Path=/" in session
    assert any(c.startswith("lf_lang=en") for c in cookies)
    assert "eyJ" not in answer.headers["location"], "no token in a URL"


def test_the_session_token_is_one_the_services_trust(dev: TestClient, tmp_path: Path):
    dev.get("/dev-login", params={"user": "li", "role": ["collections_supervisor", "legal"]})
    token = dev.cookies["lf_session"]
    key = PlatformSettings(home=tmp_path, env="test").signing_key()
    principal = TokenIssuer(key).verify(token)
    assert principal.sub == "li" and principal.roles == {"collections_supervisor", "legal"}


def test_dev_login_refuses_unknown_roles_and_a_foreign_next(dev: TestClient):
    refused = dev.get("/dev-login", params={"user": "x", "role": "superuser"})
    assert refused.status_code == 422 and "unknown_role" in refused.text and "lf_session" not in refused.cookies
    away = dev.get("/dev-login", params={"user": "x", "role": "collector", "next": "//evil.example/"})
    assert away.headers["location"] == "/queue"
    assert dev.get("/dev-login", params={"user": "x"}).status_code == 422
    # the services' own role is nobody's: no session with it, by dev-login or by a pasted token
    service = dev.get("/dev-login", params={"user": "x", "role": "service"})
    assert service.status_code == 422 and "unknown_role" in service.text and "lf_session" not in service.cookies


def test_pages_send_strangers_to_sign_in_and_back(dev: TestClient):
    answer = dev.get("/queue?stage=mid")
    assert answer.status_code == 303 and answer.headers["location"] == "/login?next=%2Fqueue%3Fstage%3Dmid"
    page = dev.get(answer.headers["location"])
    assert page.status_code == 200 and "开发环境登录" in page.text
    link = page.text.split('href="/dev-login?user=collector-f1')[1].split('"')[0].replace("&amp;", "&")
    back = dev.get("/dev-login?user=collector-f1" + link)
    assert back.headers["location"] == "/queue?stage=mid"


def test_a_pasted_token_signs_in_with_the_login_forms_csrf_nonce(dev: TestClient, tmp_path: Path):
    token = TokenIssuer(PlatformSettings(home=tmp_path, env="test").signing_key()).issue("cm-1", ["client_manager"])
    form = dev.get("/login")
    nonce = form.cookies["lf_login_csrf"]
    forged = dev.post("/login", data={"token": token, "csrf_token": "guess"})
    assert forged.status_code == 403 and "lf_session" not in forged.cookies
    dev.cookies.set("lf_login_csrf", nonce, path="/login")
    signed = dev.post("/login", data={"token": token, "csrf_token": nonce, "next": "/applications/new"})
    assert signed.status_code == 303 and signed.headers["location"] == "/applications/new"
    bad = TokenIssuer("another-key-that-is-32-bytes-long!").issue("cm-1", ["client_manager"])
    dev.cookies.set("lf_login_csrf", nonce, path="/login")
    refused = dev.post("/login", data={"token": bad, "csrf_token": nonce})
    assert refused.status_code == 401 and "登录令牌无效" in refused.text


def test_sign_out_needs_the_sessions_csrf_token(dev: TestClient):
    dev.get("/dev-login", params={"user": "collector-f1", "role": "collector"})
    assert dev.post("/logout", data={"csrf_token": "nope"}).status_code == 403
    page = dev.get("/login")  # any page carries the token in its sign-out form
    csrf = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    gone = dev.post("/logout", data={"csrf_token": csrf})
    assert gone.status_code == 303 and gone.headers["location"] == "/login"
    assert 'lf_session=""' in gone.headers["set-cookie"] or "Max-Age=0" in gone.headers["set-cookie"]


def test_a_service_that_is_down_is_a_page_saying_so_not_a_500(dev: TestClient):
    dev.get("/dev-login", params={"user": "collector-f1", "role": "collector", "lang": "en"})
    page = dev.get("/queue")
    assert page.status_code == 502
    assert "A service is not reachable right now" in page.text and "service_unavailable" in page.text


def test_production_has_no_dev_login_and_takes_the_proxys_jwt(tmp_path: Path):
    prod = client(tmp_path, env="production", jwt_secret="company-key-of-at-least-32-bytes-long", secrets_key="k" * 32)
    assert prod.get("/dev-login", params={"user": "x", "role": "admin"}).status_code == 404
    assert "开发环境登录" not in prod.get("/login").text
    token = TokenIssuer("company-key-of-at-least-32-bytes-long").issue("collector-f1", ["collector"])
    answer = prod.get("/login", headers={"X-Forwarded-Access-Token": token})
    assert answer.status_code == 303 and answer.headers["location"] == "/queue"
    assert "Secure" in answer.headers["set-cookie"]
    other = TokenIssuer("a-development-key-32-bytes-or-more").issue("x", ["admin"])
    forged = prod.get("/login", headers={"X-Forwarded-Access-Token": other})
    assert forged.status_code == 401 and "lf_session" not in forged.cookies


def test_english_by_switch_remembered_in_a_cookie(dev: TestClient):
    assert "登录" in dev.get("/login").text
    switched = dev.get("/login?lang=en")
    assert "Sign in" in switched.text and switched.cookies["lf_lang"] == "en"
    assert "Development sign-in" in dev.get("/login").text


def test_signing_out_revokes_the_session_a_copied_cookie_is_refused_also_after_a_restart(tmp_path: Path):
    dev = client(tmp_path, env="test")
    dev.get("/dev-login", params={"user": "collector-f1", "role": "collector"})
    token = dev.cookies["lf_session"]
    other = client(tmp_path, env="test")  # another workbench process on the same home, with a copy of the cookie
    other.cookies.set("lf_session", token)
    assert other.get("/").headers["location"] == "/queue"  # the copy works while the session is on
    csrf = dev.get("/login").text.split('name="csrf_token" value="')[1].split('"')[0]
    assert dev.post("/logout", data={"csrf_token": csrf}).status_code == 303
    for app in (other, client(tmp_path, env="test")):  # the other process, and one started after the sign-out
        app.cookies.set("lf_session", token)
        page = app.get("/queue")
        assert page.status_code == 303 and page.headers["location"].startswith("/login"), page.text
        assert app.get("/").headers["location"] == "/login"
        assert app.post("/logout", data={"csrf_token": csrf}).headers["location"].startswith("/login?")
    pasted = client(tmp_path, env="test")
    nonce = pasted.get("/login").cookies["lf_login_csrf"]
    again = pasted.post("/login", data={"csrf_token": nonce, "token": token})
    assert again.status_code == 401 and "lf_session" not in again.cookies  # the same token starts no new session
    stored = (tmp_path / "workbench" / "revoked-sessions").read_text()
    assert token not in stored and len(stored.split()) == 2  # its hash and expiry, not the token
