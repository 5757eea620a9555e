"""Bearer JWT (roles) and partner HMAC signatures as FastAPI dependencies."""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Annotated

import jwt
from fastapi import Depends, Request

from shared.errors import Forbidden, Unauthorized

ROLES = ("client_manager", "team_manager", "credit_manager", "collector", "collections_supervisor",
         "legal", "reporting", "admin", "qa", "auditor",  # qa reviews recorded calls; auditor reads the access audit
         "service")  # service: held only by the services' own tokens (service-to-service calls), never by a person
SERVICE_ROLE = "service"
MAX_SKEW_SECONDS = 300


@dataclass(frozen=True)
class Principal:
    sub: str
    roles: frozenset[str]

    def has(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))


class TokenIssuer:
    """Signs and verifies HS256 bearer tokens with claims sub and roles."""

    def __init__(self, key: str, issuer: str = "loanflow") -> None:
        self._key = key
        self.issuer = issuer

    def issue(self, sub: str, roles: list[str], ttl_seconds: int = 12 * 3600, now: float | None = None) -> str:
        unknown = set(roles) - set(ROLES)
        if unknown:
            raise ValueError(f"unknown roles: {sorted(unknown)}")
        issued = int(now if now is not None else time.time())
        return jwt.encode({"sub": sub, "roles": roles, "iss": self.issuer, "iat": issued,
                           "exp": issued + ttl_seconds}, self._key, algorithm="HS256")

    def verify(self, token: str) -> Principal:
        try:
            claims = jwt.decode(token, self._key, algorithms=["HS256"], issuer=self.issuer,
                                options={"require": ["sub", "exp"]})
        except jwt.PyJWTError as exc:
            raise Unauthorized(f"invalid bearer token: {exc}")
        roles = claims.get("roles") or []
        if not isinstance(roles, list):
            raise Unauthorized("invalid bearer token: roles must be a list")
        return Principal(sub=str(claims["sub"]), roles=frozenset(str(r) for r in roles))


def current_principal(request: Request) -> Principal:
    """The caller from `Authorization: Bearer <JWT>`; 401 when missing or invalid."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized("missing bearer token")
    issuer: TokenIssuer = request.app.state.token_issuer
    return issuer.verify(token.strip())


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def require_roles(*roles: str) -> Callable[[Principal], Principal]:
    """Dependency: the caller must hold one of `roles` (403 otherwise)."""

    def check(principal: CurrentPrincipal) -> Principal:
        if not principal.has(*roles):
            raise Forbidden(f"this action needs one of the roles: {', '.join(roles)}",
                            code="missing_role")
        return principal

    return check


# ---- partner HMAC ---------------------------------------------------------------------------

def sign(secret: str, body: bytes, timestamp: int) -> str:
    """The X-Signature header value for a body: t=<unix>,v1=<hex HMAC-SHA256(secret, "t.body")>."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def verify_signature(secret: str | Sequence[str], header: str, body: bytes, now: float) -> None:
    """Check an X-Signature header against the raw body; raise Unauthorized on any failure.

    Several secrets (a partner's new one and, during a rotation's grace period, the previous
    one): a signature made with any of them passes.
    """
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    try:
        timestamp = int(parts["t"])
        given = parts["v1"]
    except (KeyError, ValueError):
        raise Unauthorized("malformed X-Signature header", code="bad_signature")
    if abs(now - timestamp) > MAX_SKEW_SECONDS:
        raise Unauthorized("signature timestamp outside the allowed 300 s window", code="stale_signature")
    signed = f"{timestamp}.".encode() + body
    matches = [hmac.compare_digest(hmac.new(k.encode(), signed, hashlib.sha256).hexdigest(), given)
               for k in ([secret] if isinstance(secret, str) else secret)]
    if not any(matches):
        raise Unauthorized("signature does not match", code="bad_signature")


@dataclass(frozen=True)
class PartnerRequest:
    partner_id: str
    body: bytes
    idempotency_key: str


# A partner's valid secrets (one, or several during a rotation's grace period); None or empty: unknown.
SecretLookup = Callable[[Request, str], Awaitable[str | Sequence[str] | None]]


def partner_auth(lookup_secret: SecretLookup) -> Callable[[Request], Awaitable[PartnerRequest]]:
    """Dependency verifying X-Partner-Id / X-Signature over the raw body, and Idempotency-Key."""

    async def check(request: Request) -> PartnerRequest:
        partner_id = request.headers.get("x-partner-id")
        signature = request.headers.get("x-signature")
        if not partner_id or not signature:
            raise Unauthorized("missing X-Partner-Id or X-Signature", code="bad_signature")
        secret = await lookup_secret(request, partner_id)
        if not secret:
            raise Unauthorized("unknown partner", code="unknown_partner")
        body = await request.body()
        clock = getattr(request.app.state, "clock", None)
        now = clock.now().timestamp() if clock is not None else time.time()
        verify_signature(secret, signature, body, now)
        key = request.headers.get("idempotency-key")
        if not key:
            from shared.errors import BadRequest

            raise BadRequest("Idempotency-Key header is required", code="missing_idempotency_key")
        return PartnerRequest(partner_id=partner_id, body=body, idempotency_key=key)

    return check
