"""The shared access audit on real PostgreSQL: records, filters and pages; its route and reveal rule."""

from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from loanflow.testing import bearer
from shared import access_audit
from shared.access_audit import RevealDep, access_audit_router
from shared.auth import TokenIssuer
from shared.errors import install_error_handlers


@pytest.fixture
async def audited(pool):
    await pool.execute(access_audit.DDL)
    return pool


def collections_like_app(pool: Any) -> FastAPI:
    """A service as collections would wire it: the audit route with its own subject name, and a reveal."""
    app = FastAPI()
    app.state.kernel = SimpleNamespace(db=pool)
    app.state.token_issuer = TokenIssuer("access-audit-test-key-" + "k" * 20)
    install_error_handlers(app)
    app.include_router(access_audit_router(subject_alias="case_id"), prefix="/v1")

    @app.get("/v1/cases/{case_id}")
    async def case(case_id: str, reveal: RevealDep) -> dict[str, Any]:
        if reveal is None:
            return {"phone": "138****5678"}
        async with pool.acquire() as conn, conn.transaction():
            await access_audit.record(conn, "collector-f1", "case", case_id, reveal.reason, roles=["collector"])
        return {"phone": "13812345678"}

    return app


async def test_a_recorded_access_says_who_saw_what_when_and_why(audited):
    async with audited.acquire() as conn:
        first = await access_audit.record(conn, "wang.fang", "application", "A-1", "  verify the work contact ",
                                          roles=["client_manager", "client_manager"])
        await access_audit.record(conn, "li.na", "application", "A-2", "field visit", roles=["team_manager"])
        await access_audit.record(conn, "wang.fang", "application", "A-2", "second look", roles=["client_manager"])
        rows = await access_audit.page(conn)
        assert [(r["actor"], r["subject_id"], r["reason"]) for r in rows] == [
            ("wang.fang", "A-1", "verify the work contact"), ("li.na", "A-2", "field visit"),
            ("wang.fang", "A-2", "second look")]
        assert rows[0]["id"] == first and rows[0]["roles"] == ["client_manager"] and rows[0]["at"] is not None
        assert [r["reason"] for r in await access_audit.page(conn, subject_id="A-2", actor="wang.fang")] == [
            "second look"]
        assert [r["subject_id"] for r in await access_audit.page(conn, after=first, limit=1)] == ["A-2"]
        with pytest.raises(ValueError):
            await access_audit.record(conn, "wang.fang", "application", "A-1", "  ")
        assert len(await access_audit.page(conn)) == 3


async def test_the_audit_route_pages_filters_by_the_services_subject_name_and_is_for_auditors(audited):
    app = collections_like_app(audited)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        masked = await client.get("/v1/cases/C-1")
        assert masked.json() == {"phone": "138****5678"}
        refused = await client.get("/v1/cases/C-1?reveal=true")
        assert refused.status_code == 422 and refused.json()["error"]["code"] == "reason_required"
        blank = await client.get("/v1/cases/C-1", params={"reveal": "true", "reason": "   "})
        assert blank.status_code == 422 and blank.json()["error"]["code"] == "reason_required"
        for case_id in ("C-1", "C-2", "C-1"):
            shown = await client.get(f"/v1/cases/{case_id}", params={"reveal": "true", "reason": "borrower moved"})
            assert shown.json() == {"phone": "13812345678"}

        auditor = bearer(app, "audrey", "auditor")
        assert (await client.get("/v1/audit/access")).status_code == 401
        denied = await client.get("/v1/audit/access", headers=bearer(app, "collector-f1", "collector"))
        assert denied.status_code == 403
        by_case = (await client.get("/v1/audit/access?case_id=C-1", headers=auditor)).json()
        assert [(i["subject_type"], i["subject_id"], i["actor"]) for i in by_case["items"]] == [
            ("case", "C-1", "collector-f1")] * 2
        first = (await client.get("/v1/audit/access?limit=2", headers=bearer(app, "root", "admin"))).json()
        rest = (await client.get(f"/v1/audit/access?limit=2&cursor={first['next_cursor']}", headers=auditor)).json()
        assert [i["subject_id"] for i in first["items"] + rest["items"]] == ["C-1", "C-2", "C-1"]
        assert rest["next_cursor"] is None
        bad = await client.get("/v1/audit/access?cursor=abc", headers=auditor)
        assert bad.status_code == 400 and bad.json()["error"]["code"] == "bad_cursor"
        clash = await client.get("/v1/audit/access?case_id=C-1&subject_id=C-2", headers=auditor)
        assert clash.status_code == 400 and clash.json()["error"]["code"] == "conflicting_filters"
        nobody = (await client.get("/v1/audit/access?actor=nobody", headers=auditor)).json()
        assert nobody == {"items": [], "next_cursor": None}


def test_uvicorn_access_lines_carry_no_reveal_reason():
    """The older GET form of a reveal puts the reason in the query: the request log line keeps the path, not it."""
    import logging

    from shared.logging import ReasonRedaction

    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
                               ("127.0.0.1:5", "GET", "/v1/cases/c-1?reveal=true&reason=%E6%A0%B8%E5%AE%9E+x&x=1",
                                "1.1", 200), None)
    assert ReasonRedaction().filter(record)
    assert record.getMessage() == '127.0.0.1:5 - "GET /v1/cases/c-1?reveal=true&reason=[redacted]&x=1 HTTP/1.1" 200'


async def test_the_audit_route_pages_newest_first_by_a_before_cursor_and_keeps_the_oldest_first_paging(audited):
    """Seven reveals, the third and sixth of case C-9: newest first three at a time by `before` (keyset), the
    filters applied; `order=newest` without a bound starts at the newest; the old parameters answer as before."""
    app = collections_like_app(audited)
    auditor = bearer(app, "audrey", "auditor")
    async with audited.acquire() as conn:
        seqs = [await access_audit.record(conn, "collector-f1", "case", "C-9" if n in (3, 6) else f"C-{n}",
                                          f"reason {n}", roles=["collector"]) for n in range(1, 8)]
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        async def get(**params: Any) -> dict[str, Any]:
            answer = await client.get("/v1/audit/access", params=params, headers=auditor)
            assert answer.status_code == 200, answer.text
            return answer.json()  # type: ignore[no-any-return]

        first = await get(order="newest", limit=3)
        assert [i["id"] for i in first["items"]] == seqs[6:3:-1] and first["next_cursor"] == str(seqs[4])
        second = await get(before=first["next_cursor"], limit=3)
        third = await get(before=second["next_cursor"], limit=3)
        assert [i["id"] for i in second["items"]] == seqs[3:0:-1]
        assert [i["id"] for i in third["items"]] == seqs[:1] and third["next_cursor"] is None
        times = [datetime.fromisoformat(i["at"]) for i in first["items"] + second["items"] + third["items"]]
        assert times == sorted(times, reverse=True), "newest first by time too"
        same = await get(order="newest", cursor=first["next_cursor"], limit=3)
        assert same == second, "with order=newest the cursor is the before bound"

        c9 = await get(case_id="C-9", order="newest", limit=1)
        assert [i["reason"] for i in c9["items"]] == ["reason 6"]
        assert [i["reason"] for i in (await get(case_id="C-9", before=c9["next_cursor"]))["items"]] == ["reason 3"]
        assert (await get(before=str(seqs[0])))["items"] == [] and (await get(before="0"))["items"] == []

        oldest = await get(limit=4)  # the default, as before: oldest first after the cursor
        assert [i["id"] for i in oldest["items"]] == seqs[:4]
        assert [i["id"] for i in (await get(limit=4, cursor=oldest["next_cursor"]))["items"]] == seqs[4:]

        for bad, code in (({"before": "x1"}, "bad_cursor"), ({"before": "3", "cursor": "2"}, "conflicting_filters"),
                          ({"before": "3", "order": "oldest"}, "conflicting_filters")):
            refused = await client.get("/v1/audit/access", params=bad, headers=auditor)
            assert refused.status_code == 400 and refused.json()["error"]["code"] == code, bad
        assert (await client.get("/v1/audit/access?order=sideways", headers=auditor)).status_code == 422
