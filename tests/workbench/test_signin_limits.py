"""Sign-in attempts are limited per user name and per client address: 429 with Retry-After, no session."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from services.workbench.bootstrap import create_app
from services.workbench.config import WorkbenchSettings
from shared.auth import TokenIssuer
from shared.config import PlatformSettings

DOWN = {f"{s}_url": "http://127.0.0.1:9" for s in ("origination", "servicing", "collections", "reporting")}


def client(tmp_path: Path, **limits: float) -> TestClient:
    settings = WorkbenchSettings(**DOWN, **limits)
    return TestClient(create_app(settings, PlatformSettings(home=tmp_path, env="test")), follow_redirects=False)


def dev_login(wb: TestClient, user: str):
    return wb.get("/dev-login", params={"user": user, "role": "collector", "lang": "en"})


def test_dev_login_is_limited_per_user_name_with_retry_after(tmp_path: Path):
    wb = client(tmp_path, signin_burst=3, signin_per_minute=1)
    assert [dev_login(wb, "alice").status_code for _ in range(3)] == [303, 303, 303]
    wb.cookies.clear()
    limited = dev_login(wb, "alice")
    assert limited.status_code == 429
    assert int(limited.headers["retry-after"]) == 60  # one attempt a minute
    assert "rate_limited" in limited.text and "Too many sign-in attempts" in limited.text
    assert "lf_session" not in limited.cookies
    assert dev_login(wb, "bob").status_code == 303  # another person is not held back


def test_sign_in_is_limited_per_client_address_across_user_names(tmp_path: Path):
    wb = client(tmp_path, signin_ip_burst=4, signin_ip_per_minute=2)
    assert [dev_login(wb, f"user-{i}").status_code for i in range(4)] == [303] * 4
    limited = dev_login(wb, "user-new")
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) == 30


def test_pasted_tokens_count_against_the_person_they_name(tmp_path: Path):
    wb = client(tmp_path, signin_burst=2, signin_per_minute=1)
    issuer = TokenIssuer(PlatformSettings(home=tmp_path, env="test").signing_key())
    wrong = TokenIssuer("another-key-that-is-32-bytes-long!")
    nonce = wb.get("/login").cookies["lf_login_csrf"]

    def paste(token: str):
        wb.cookies.set("lf_login_csrf", nonce, path="/login")
        return wb.post("/login", data={"token": token, "csrf_token": nonce})

    assert paste(wrong.issue("cm-1", ["client_manager"])).status_code == 401  # a guess counts too
    assert paste(issuer.issue("cm-1", ["client_manager"])).status_code == 303
    limited = paste(issuer.issue("cm-1", ["client_manager"]))
    assert limited.status_code == 429 and "lf_session" not in limited.cookies
    assert limited.headers["retry-after"] == "60"
    assert paste(issuer.issue("km-1", ["credit_manager"])).status_code == 303
