"""Who is signed in: the session cookie (a signed JWT, HttpOnly, SameSite=Lax) and its CSRF token.

The cookie holds the bearer token the services trust (`claims sub, roles`); the workbench verifies
it on every request with the same key and passes it on to the APIs. The CSRF token is bound to
the session (an HMAC of the token), so a form posted from another site, or with another person's
page, is refused. Tokens never appear in URLs or logs. Signing out revokes the token server-side
(adapters/revocations.py): the cookie, or a copy of it, no longer signs anyone in.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass
from typing import Annotated

import jwt
from fastapi import Depends, Request
from starlette.responses import Response

from services.workbench.adapters.revocations import Revocations
from shared.auth import TokenIssuer
from shared.errors import Unauthorized

SESSION_COOKIE = "lf_session"
LANG_COOKIE = "lf_lang"
CSRF_FIELD = "csrf_token"

# The page a person lands on after signing in, by the first of their roles found in this order.
HOME_BY_ROLE = (
    ("collector", "/queue"),
    ("collections_supervisor", "/board"),
    ("legal", "/board"),
    ("admin", "/board"),
    ("client_manager", "/applications"),
    ("team_manager", "/applications"),
    ("credit_manager", "/applications"),
    ("reporting", "/reports"),
    ("qa", "/qa"),
    ("auditor", "/audit"),
)


@dataclass(frozen=True)
class User:
    """The signed-in person: name, roles and the token the APIs are called with."""

    sub: str
    roles: frozenset[str]
    token: str
    csrf: str

    def has(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def home(self) -> str:
        return home_for(self.roles)


def home_for(roles: frozenset[str] | set[str]) -> str:
    for role, path in HOME_BY_ROLE:
        if role in roles:
            return path
    return "/login"


class SignInRequired(Exception):
    """No valid session: the page redirects to /login (and back after signing in)."""

    def __init__(self, next_path: str) -> None:
        self.next_path = next_path


class CsrfRefused(Exception):
    """A form came without this session's CSRF token."""


def csrf_for(key: str, token: str) -> str:
    return hmac.new(key.encode(), b"csrf|" + token.encode(), hashlib.sha256).hexdigest()[:40]


def user_from_token(issuer: TokenIssuer, key: str, token: str) -> User:
    """Verify a bearer token (401 Unauthorized when invalid or expired)."""
    principal = issuer.verify(token)
    if "service" in principal.roles:  # the services' own token (e.g. fetching data keys) is nobody's session
        raise Unauthorized("a service's token does not sign a person in")
    return User(principal.sub, principal.roles, token, csrf_for(key, token))


def optional_user(request: Request) -> User | None:
    """The session's person; None without a cookie, with an invalid or expired token, or a signed-out one."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token or request.app.state.revoked.is_revoked(token):
        return None
    try:
        return user_from_token(request.app.state.issuer, request.app.state.key, token)
    except Unauthorized:
        return None


async def current_user(request: Request) -> User:
    """The signed-in person, else SignInRequired (the page redirects to /login).

    Async although it does no I/O: FastAPI runs a plain `def` dependency in its thread pool, a hop
    per page that queues behind the pool's 40 threads when 50 people load pages at once."""
    await request.app.state.revoked.refresh()  # another replica's sign-outs (a shared store: read before the check)
    user = optional_user(request)
    if user is None:
        path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise SignInRequired(path)
    return user


CurrentUser = Annotated[User, Depends(current_user)]


def check_csrf(user: User, submitted: object) -> None:
    if not isinstance(submitted, str) or not hmac.compare_digest(submitted, user.csrf):
        raise CsrfRefused()


def start_session(response: Response, token: str, max_age: int, secure: bool) -> None:
    response.set_cookie(SESSION_COOKIE, token, max_age=max_age, httponly=True, samesite="lax", secure=secure,
                        path="/")


async def end_session(response: Response, revoked: Revocations, token: str) -> None:
    """Sign out: the token is revoked server-side until it expires (a copy of the cookie is refused too)."""
    expires_at = jwt.decode(token, options={"verify_signature": False}).get("exp")
    await revoked.revoke(token, float(expires_at) if expires_at is not None else time.time() + 366 * 86400)
    response.delete_cookie(SESSION_COOKIE, path="/")


def safe_next(path: str | None, default: str) -> str:
    """Only a local path (no scheme, no //host) is followed after sign-in."""
    if path and path.startswith("/") and not path.startswith("//") and "\\" not in path:
        return path
    return default
