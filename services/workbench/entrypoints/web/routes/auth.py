"""Sign-in: /login (a company JWT from the OIDC proxy, or a pasted token), /dev-login outside production, /logout.

Attempts (/login POST, /dev-login) are limited per user name and per client address: 429 with Retry-After."""

from __future__ import annotations

import secrets
from typing import Annotated

import jwt
from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import RedirectResponse, Response

from services.workbench import i18n
from services.workbench.adapters.api import ApiRefusal
from services.workbench.entrypoints.web.render import render
from services.workbench.entrypoints.web.session import (
    LANG_COOKIE,
    CurrentUser,
    User,
    check_csrf,
    end_session,
    optional_user,
    safe_next,
    start_session,
    user_from_token,
)
from shared.auth import ROLES
from shared.errors import TooManyRequests, Unauthorized
from shared.ratelimit import TokenBuckets

router = APIRouter(tags=["sign-in"])
PERSONS_ROLES = tuple(r for r in ROLES if r != "service")  # the services' own role signs no person in
LOGIN_CSRF_COOKIE = "lf_login_csrf"
DEV_PEOPLE = (  # the links the sign-in page offers outside production (collectors of the default roster)
    ("collector-f1", ("collector",)),
    ("collector-m1", ("collector",)),
    ("collector-b1", ("collector",)),
    ("supervisor-1", ("collections_supervisor", "reporting")),
    ("legal-1", ("legal",)),
    ("cm-1", ("client_manager",)),
    ("tm-1", ("team_manager",)),
    ("km-1", ("credit_manager",)),
    ("reporter-1", ("reporting",)),
)


def _too_many(request: Request, user_name: str | None) -> Response | None:
    """Sign-in attempts per user name and per client address (token buckets in this process): 429 past them."""
    state = request.app.state
    if not hasattr(state, "signin_limits"):
        s = state.settings
        state.signin_limits = (TokenBuckets(s.signin_per_minute / 60, s.signin_burst),
                               TokenBuckets(s.signin_ip_per_minute / 60, s.signin_ip_burst))
    per_user, per_address = state.signin_limits
    address = request.client.host if request.client else "unknown"
    try:
        if user_name:
            per_user.check(user_name, f"user {user_name}")
        per_address.check(address, f"address {address}")
    except TooManyRequests as exc:
        page = render(request, "error.html", status=429, user=None,
                      refusal=ApiRefusal(429, exc.code, exc.message, exc.details))
        page.headers["Retry-After"] = str(exc.retry_after)
        return page
    return None


def _claimed_sub(token: str) -> str | None:
    """The `sub` a pasted token claims (unverified: only to count attempts per person)."""
    try:
        return str(jwt.decode(token, options={"verify_signature": False}).get("sub") or "") or None
    except jwt.PyJWTError:
        return None


async def _signed_in(request: Request, user: User, next_path: str | None) -> Response:
    await request.app.state.revoked.refresh()
    if request.app.state.revoked.is_revoked(user.token):  # signed out: the same token starts no new session
        return _login_form(request, next_path, ApiRefusal(401, "invalid_token", "this token was signed out"))
    response = RedirectResponse(safe_next(next_path, user.home), status_code=303)
    start_session(response, user.token, request.app.state.settings.session_hours * 3600,
                  request.app.state.secure_cookies)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


@router.get("/")
async def root(request: Request) -> Response:
    await request.app.state.revoked.refresh()
    user = optional_user(request)
    return RedirectResponse(user.home if user else "/login", status_code=303)


@router.get("/login")
async def login_page(request: Request, next: str | None = None) -> Response:
    """The company's OIDC proxy passes its JWT in a header: verified, it starts the session at once."""
    app = request.app
    forwarded = request.headers.get(app.state.settings.trusted_token_header)
    if forwarded:
        try:
            return await _signed_in(request, user_from_token(app.state.issuer, app.state.key, forwarded.strip()), next)
        except Unauthorized as exc:
            return _login_form(request, next, ApiRefusal(401, "invalid_token", exc.message))
    return _login_form(request, next, None)


def _login_form(request: Request, next_path: str | None, refusal: ApiRefusal | None) -> Response:
    nonce = secrets.token_urlsafe(24)
    response = render(request, "login.html", status=refusal.status if refusal else 200, user=None, refusal=refusal,
                      next=safe_next(next_path, ""), login_csrf=nonce, dev_people=DEV_PEOPLE)
    response.set_cookie(LOGIN_CSRF_COOKIE, nonce, max_age=3600, httponly=True, samesite="lax", path="/login",
                        secure=request.app.state.secure_cookies)
    return response


@router.post("/login")
async def login_submit(request: Request) -> Response:
    """A bearer token pasted by hand (e.g. from `loanflow token`), checked with a double-submit CSRF nonce."""
    form = await request.form()
    nonce = request.cookies.get(LOGIN_CSRF_COOKIE)
    next_path = str(form.get("next") or "")
    if not nonce or form.get("csrf_token") != nonce:
        return _login_form(request, next_path, ApiRefusal(403, "csrf", ""))
    pasted = str(form.get("token") or "").strip()
    if limited := _too_many(request, _claimed_sub(pasted)):
        return limited
    try:
        user = user_from_token(request.app.state.issuer, request.app.state.key, pasted)
    except Unauthorized as exc:
        return _login_form(request, next_path, ApiRefusal(401, "invalid_token", exc.message))
    return await _signed_in(request, user, next_path)


@router.get("/dev-login")
async def dev_login(request: Request, user: Annotated[str, Query(min_length=1, max_length=100)],
                    role: Annotated[list[str], Query(min_length=1)],
                    lang: str | None = None, next: str | None = None) -> Response:
    """Outside production: sign in as anyone with the development key (404 in production)."""
    if not request.app.state.dev_login_enabled:
        raise HTTPException(404)
    if limited := _too_many(request, user):
        return limited
    unknown = sorted(set(role) - set(PERSONS_ROLES))
    if unknown:
        return render(request, "error.html", status=422, refusal=ApiRefusal(
            422, "unknown_role", ", ".join(unknown), [{"allowed": list(PERSONS_ROLES)}]))
    ttl = request.app.state.settings.session_hours * 3600
    token = request.app.state.issuer.issue(user, role, ttl_seconds=ttl)
    response = await _signed_in(request, user_from_token(request.app.state.issuer, request.app.state.key, token), next)
    if lang in i18n.LANGS:
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, samesite="lax", httponly=True,
                            secure=request.app.state.secure_cookies)
    return response


@router.post("/logout")
async def logout(request: Request, user: CurrentUser) -> Response:
    form = await request.form()
    check_csrf(user, form.get("csrf_token"))
    response = RedirectResponse("/login", status_code=303)
    await end_session(response, request.app.state.revoked, user.token)
    return response
