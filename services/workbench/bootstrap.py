"""Wires the workbench: settings, the API client, catalogs, templates, sign-in and the pages."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from services.workbench import i18n
from services.workbench.adapters.api import SERVICES, Api, ApiRefusal
from services.workbench.adapters.revocations import Revocations, RevokedSessions
from services.workbench.adapters.revocations_pg import PostgresRevokedSessions, RevocationStoreDown
from services.workbench.config import WorkbenchSettings
from services.workbench.entrypoints.web.render import build_environment, refusal_status, render
from services.workbench.entrypoints.web.routes import ROUTERS
from services.workbench.entrypoints.web.session import LANG_COOKIE, CsrfRefused, SignInRequired
from services.workbench.metrics import Metrics, add_metrics
from shared.auth import TokenIssuer
from shared.config import PlatformSettings

STATIC = Path(__file__).parent / "static"


def revocations(settings: WorkbenchSettings, platform: PlatformSettings) -> Revocations:
    """Where sign-outs are recorded: PostgreSQL with LOANFLOW_WORKBENCH_DATABASE_URL (replicas on several
    hosts), else a file under LOANFLOW_HOME (processes on one host)."""
    if settings.database_url:
        return PostgresRevokedSessions(settings.database_url, refresh_seconds=settings.revocation_refresh_seconds)
    return RevokedSessions(settings.revoked_sessions_file or platform.home / "workbench" / "revoked-sessions")


def create_app(settings: WorkbenchSettings | None = None, platform: PlatformSettings | None = None,
               api: Api | None = None) -> FastAPI:
    """The workbench app. It keeps no business data: every page is built from the four APIs."""
    settings = settings or WorkbenchSettings()
    platform = platform or PlatformSettings()
    metrics = Metrics()
    api = api or Api(settings.api_urls(), settings.api_timeout_seconds,
                     observe=lambda s, m, code, secs: metrics.api.labels(s, m, str(code)).observe(secs))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        await api.aclose()
        await app.state.revoked.close()

    app = FastAPI(title="loanflow workbench", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    key = platform.signing_key()
    app.state.settings = settings
    app.state.api = api
    app.state.key = key
    app.state.issuer = TokenIssuer(key)
    app.state.revoked = revocations(settings, platform)
    app.state.catalogs = i18n.load_catalogs()
    app.state.templates = build_environment()
    app.state.production = platform.env == "production"
    app.state.dev_login_enabled = platform.env != "production"
    app.state.secure_cookies = settings.secure_cookies if settings.secure_cookies is not None else app.state.production
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for router in ROUTERS:
        app.include_router(router)
    _add_language(app)
    add_metrics(app, metrics)
    _add_handlers(app)
    _add_health(app, api)
    return app


def _add_language(app: FastAPI) -> None:
    @app.middleware("http")
    async def language(request: Request, call_next):  # type: ignore[no-untyped-def]
        asked = request.query_params.get("lang")
        request.state.lang = i18n.pick_lang(asked, request.cookies.get(LANG_COOKIE))
        response: Response = await call_next(request)
        if asked in i18n.LANGS and asked != request.cookies.get(LANG_COOKIE):
            response.set_cookie(LANG_COOKIE, asked, max_age=365 * 86400, samesite="lax", httponly=True,
                                secure=app.state.secure_cookies)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response


def _add_handlers(app: FastAPI) -> None:
    @app.exception_handler(SignInRequired)
    async def sign_in(request: Request, exc: SignInRequired) -> Response:
        return RedirectResponse(f"/login?next={quote(exc.next_path, safe='')}", status_code=303)

    @app.exception_handler(RevocationStoreDown)
    async def store_down(request: Request, exc: RevocationStoreDown) -> Response:
        refusal = ApiRefusal(503, "service_unavailable", "the sign-out store is not reachable", [], "workbench")
        return render(request, "error.html", status=503, refusal=refusal, user=None)

    @app.exception_handler(CsrfRefused)
    async def csrf(request: Request, exc: CsrfRefused) -> Response:
        refusal = ApiRefusal(403, "csrf", "")
        return render(request, "error.html", status=403, refusal=refusal)

    @app.exception_handler(ApiRefusal)
    async def refused(request: Request, exc: ApiRefusal) -> Response:
        if exc.status == 401:  # the token expired or the key changed: sign in again
            return RedirectResponse("/login", status_code=303)
        return render(request, "error.html", status=refusal_status(exc), refusal=exc)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        refusal = ApiRefusal(exc.status_code, "not_found" if exc.status_code == 404 else f"http_{exc.status_code}",
                             str(exc.detail or ""))
        return render(request, "error.html", status=exc.status_code, refusal=refusal)


def _add_health(app: FastAPI, api: Api) -> None:
    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", include_in_schema=False)
    async def readyz() -> Response:
        """Ready when the four APIs answer their /healthz (the pages need them); 503 names those that do not."""
        down = [s for s in SERVICES if not await api.healthy(s)]
        if down:
            return JSONResponse({"status": "unavailable", "checks": {s: "unreachable" for s in down}},
                                status_code=503)
        return JSONResponse({"status": "ok"})
