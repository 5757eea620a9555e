"""A small async client for the four services' public REST APIs (used by `loanflow demo` and e2e tests).

Callers act as named people with roles (bearer tokens signed with the system's key) or as a
partner system (HMAC-signed repayments with an Idempotency-Key).
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx

from shared.auth import TokenIssuer, sign


class StepFailed(AssertionError):
    """A demo/e2e step got an answer it did not expect."""


@dataclass
class Partner:
    partner_id: str
    secret: str


class LoanflowClient:
    def __init__(self, urls: dict[str, str], signing_key: str, *, timeout: float = 120.0) -> None:
        self.urls = urls
        self.issuer = TokenIssuer(signing_key)
        self.http = httpx.AsyncClient(timeout=timeout)
        self._tokens: dict[tuple[str, tuple[str, ...]], str] = {}

    async def close(self) -> None:
        await self.http.aclose()

    def headers(self, sub: str, *roles: str) -> dict[str, str]:
        key = (sub, roles)
        if key not in self._tokens:
            self._tokens[key] = self.issuer.issue(sub, list(roles))
        return {"Authorization": f"Bearer {self._tokens[key]}"}

    async def call(self, method: str, service: str, path: str, as_: tuple[str, ...], *, json_body: Any = None,
                   expect: int | tuple[int, ...] = (200, 201), params: dict[str, Any] | None = None) -> Any:
        """Call a service as (sub, *roles); fail with the answer when its status is not expected."""
        sub, *roles = as_
        response = await self.http.request(method, self.urls[service] + path, json=json_body, params=params,
                                           headers=self.headers(sub, *roles))
        wanted = (expect,) if isinstance(expect, int) else expect
        if response.status_code not in wanted:
            raise StepFailed(f"{method} {service}{path} -> {response.status_code}: {response.text[:800]}")
        if response.headers.get("content-type", "").startswith("application/json"):
            return response.json()
        return response.text

    async def get(self, service: str, path: str, as_: tuple[str, ...], **kw: Any) -> Any:
        return await self.call("GET", service, path, as_, **kw)

    async def post(self, service: str, path: str, as_: tuple[str, ...], body: Any = None, **kw: Any) -> Any:
        return await self.call("POST", service, path, as_, json_body=body if body is not None else {}, **kw)

    async def add_partner(self, name: str) -> Partner:
        created = await self.post("servicing", "/v1/partners", ("ops", "admin"), {"name": name})
        return Partner(created["partner_id"], created["secret"])

    async def repay(self, partner: Partner, loan_id: str, amount: str, *, paid_at: str | None = None,
                    key: str | None = None, external_ref: str | None = None) -> httpx.Response:
        """POST /v1/repayments signed as the partner; returns the raw response.

        A 429 (the partner's rate limit) is waited out as its Retry-After says, up to three times,
        under the same Idempotency-Key (a limited request recorded nothing)."""
        body = json.dumps({"loan_id": loan_id, "amount": amount,
                           "paid_at": paid_at or time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                           "external_ref": external_ref or f"ref-{uuid.uuid4().hex[:12]}"}).encode()
        key = key or uuid.uuid4().hex
        for _ in range(3):
            headers = {"Content-Type": "application/json", "X-Partner-Id": partner.partner_id,
                       "X-Signature": sign(partner.secret, body, int(time.time())), "Idempotency-Key": key}
            response = await self.http.post(self.urls["servicing"] + "/v1/repayments", content=body, headers=headers)
            if response.status_code != 429:
                break
            await asyncio.sleep(min(int(response.headers.get("retry-after", "1")), 10))
        return response

    async def advance(self, to: str, timeout: float = 600.0) -> dict[str, Any]:
        """Advance servicing's business date to `to`; a long advance answers 202 and is followed until done."""
        answer = await self.post("servicing", "/v1/business-date/advance", ("ops", "admin"), {"to": to},
                                 expect=(200, 202))
        if "job_id" not in answer or "status" not in answer:
            return answer  # type: ignore[no-any-return]
        job_path = f"/v1/business-date/jobs/{answer['job_id']}"
        return await wait_for(lambda: self._ended(job_path), f"advance job {answer['job_id']}", timeout, 0.2)

    async def _ended(self, job_path: str) -> dict[str, Any] | None:
        job = await self.get("servicing", job_path, ("ops", "admin"))
        if job["status"] == "failed":
            raise AssertionError(f"advance job failed: {job}")  # not StepFailed: wait_for would retry it
        return job if job["status"] == "done" else None


async def wait_for(check: Callable[[], Awaitable[Any]], what: str, timeout: float = 30.0,
                   interval: float = 0.2) -> Any:
    """Poll an async check until it returns something truthy (events travel through Kafka)."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        try:
            last = await check()
        except StepFailed as exc:
            last = exc
        else:
            if last:
                return last
        await asyncio.sleep(interval)
    raise StepFailed(f"timed out waiting for {what} (last: {str(last)[:500]})")


def id_number(region: str = "110105", birth: str = "19850312", seq: int = 101) -> str:
    """A valid 18-digit resident ID number (GB 11643 check digit)."""
    body = f"{region}{birth}{seq % 1000:03d}"
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    check = "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]
    return body + check
