"""The four services' REST APIs, called with the signed-in person's bearer token (httpx).

The workbench owns no business data: every figure on a page comes from here. An API refusal
(4xx with the contract's `{"error": {code, message, details}}`) becomes `ApiRefusal`, which
pages show with its rule; an unreachable service becomes `ApiRefusal` with code
`service_unavailable` (status 503), never a 500 page.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

SERVICES = ("origination", "servicing", "collections", "reporting")


@dataclass
class ApiRefusal(Exception):
    """A service said no (or could not be reached): status, the contract's code, message and details."""

    status: int
    code: str
    message: str
    details: list[Any] = field(default_factory=list)
    service: str = ""

    def __str__(self) -> str:
        return f"{self.service} {self.status} {self.code}: {self.message}"


def refusal_from(service: str, response: httpx.Response) -> ApiRefusal:
    """The contract's error body as an ApiRefusal (tolerates a body that is not the contract's shape)."""
    try:
        body = response.json()
    except ValueError:
        body = None
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        details = error.get("details")
        return ApiRefusal(response.status_code, str(error.get("code") or "error"), str(error.get("message") or ""),
                          details if isinstance(details, list) else [], service)
    detail = body.get("detail") if isinstance(body, dict) else None
    return ApiRefusal(response.status_code, f"http_{response.status_code}", str(detail or response.reason_phrase),
                      [], service)


class Api:
    """One pooled httpx client for the process; `for_token` gives a caller bound to one person."""

    def __init__(self, urls: dict[str, str], timeout: float = 10.0,
                 transport: httpx.AsyncBaseTransport | None = None,
                 observe: Callable[[str, str, int, float], None] | None = None) -> None:
        self.urls = urls
        self._observe = observe
        # Idle connections are dropped before uvicorn's 5 s keep-alive closes them from its side.
        self._client = httpx.AsyncClient(timeout=timeout, transport=transport,
                                         limits=httpx.Limits(max_connections=200, max_keepalive_connections=50,
                                                             keepalive_expiry=2.0))

    def for_token(self, token: str) -> ApiCaller:
        return ApiCaller(self, token)

    async def healthy(self, service: str) -> bool:
        try:
            return (await self._client.get(self.urls[service] + "/healthz", timeout=2.0)).status_code == 200
        except httpx.HTTPError:
            return False

    async def request(self, token: str, method: str, service: str, path: str, *,
                      params: dict[str, Any] | None = None, json: Any = None,
                      headers: dict[str, str] | None = None, raw: bool = False) -> Any:
        """Call `/v1<path>` on a service; 2xx → the JSON body (`raw`: the response itself), else ApiRefusal."""
        url = f"{self.urls[service]}/v1{path}"
        clean = {k: v for k, v in (params or {}).items() if v is not None and v != ""}
        started = time.perf_counter()
        send = {**(headers or {}), "Authorization": f"Bearer {token}"}
        # A read, or a write carrying an Idempotency-Key, is safe to send again once when a pooled
        # connection turns out closed by the server.
        attempts = 2 if method == "GET" or "Idempotency-Key" in send else 1
        for attempt in range(attempts):
            try:
                response = await self._client.request(method, url, params=clean, json=json, headers=send)
                break
            except httpx.HTTPError as exc:
                if attempt + 1 < attempts and isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError):
                    continue
                raise ApiRefusal(503, "service_unavailable", f"{service} is not reachable ({type(exc).__name__})",
                                 [], service)
        if self._observe is not None:
            self._observe(service, method, response.status_code, time.perf_counter() - started)
        if response.status_code >= 400:
            raise refusal_from(service, response)
        if raw:
            return response
        if response.status_code == 204 or not response.content:
            return None
        return response.json()

    async def aclose(self) -> None:
        await self._client.aclose()


class ApiCaller:
    """The APIs as one signed-in person: `await api.get("collections", "/queue")`."""

    def __init__(self, api: Api, token: str) -> None:
        self._api = api
        self._token = token

    async def get(self, service: str, path: str, **params: Any) -> Any:
        return await self._api.request(self._token, "GET", service, path, params=params)

    async def post(self, service: str, path: str, body: dict[str, Any] | None = None,
                   idempotency_key: str | None = None) -> Any:
        """POST a JSON body; with `idempotency_key` a resubmitted form replays the first answer."""
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else None
        return await self._api.request(self._token, "POST", service, path, json=body or {}, headers=headers)

    async def put(self, service: str, path: str, body: dict[str, Any] | None = None) -> Any:
        return await self._api.request(self._token, "PUT", service, path, json=body or {})

    async def get_or_refusal(self, service: str, path: str, **params: Any) -> Any:
        """Like `get`, but a refusal is returned instead of raised (a page section shows it in place)."""
        try:
            return await self.get(service, path, **params)
        except ApiRefusal as refusal:
            return refusal

    async def gather(self, *calls: Any) -> list[Any]:
        """Several `get_or_refusal` calls at once (a page's sections load in parallel)."""
        return list(await asyncio.gather(*calls))

    async def all_pages(self, service: str, path: str, cap: int, **params: Any) -> tuple[list[Any], bool]:
        """Every item of a paged list up to `cap` (500 a request); True when the cap cut it short."""
        items: list[Any] = []
        cursor: str | None = None
        while True:
            page = await self.get(service, path, limit=min(500, cap - len(items)), cursor=cursor, **params)
            items.extend(page.get("items", []))
            cursor = page.get("next_cursor")
            if not cursor:
                return items, False
            if len(items) >= cap:
                return items, True

    async def download(self, service: str, path: str, **params: Any) -> httpx.Response:
        """A file (a CSV export) fetched with this person's token, as the raw response."""
        return await self._api.request(self._token, "GET", service, path, params=params, raw=True)  # type: ignore[no-any-return]
