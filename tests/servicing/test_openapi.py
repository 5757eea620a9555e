"""Every servicing operation describes its 2xx body in /openapi.json, and what it answers is that body.

A loan's story through every route (partner added, listed and rotated; a repayment and its replay;
the loan, its schedule and the list; the business date, a short advance, a long one as a job, the
closed days): each 2xx answer is exactly what its declared response model renders.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from fastapi.routing import APIRoute
from pydantic import BaseModel

from services.servicing.entrypoints.api.routes import business_date, loans, partners, repayments

from .conftest import START, servicing_app

ROUTES = {("/v1" + r.path, m): r for module in (business_date, loans, partners, repayments)
          for r in module.router.routes if isinstance(r, APIRoute) for m in r.methods}


def declared(app: Any, method: str, path: str, status: int) -> type[BaseModel]:
    """The response model a route declares for `status` (and /openapi.json names it)."""
    route = ROUTES[path, method]
    model = route.response_model if status == (route.status_code or 200) else route.responses[status]["model"]
    assert isinstance(model, type) and issubclass(model, BaseModel), (method, path, status)
    doc = app.openapi()["paths"][path][method.lower()]["responses"][str(status)]["content"]["application/json"]
    assert doc["schema"]["$ref"].endswith("/" + model.__name__)
    return model


def conforms(app: Any, method: str, path: str, response: httpx.Response) -> dict[str, Any]:
    assert 200 <= response.status_code < 300, response.text
    body = response.json()
    model = declared(app, method, path, response.status_code)
    assert model.model_validate(body).model_dump(mode="json") == body, model.__name__
    return body  # type: ignore[no-any-return]


def test_every_operation_of_servicing_describes_its_2xx_body(platform):
    """Servicing's own routes (health, readiness, metrics and the event export are shared.service's)."""
    from services.servicing.bootstrap import create_app

    spec = create_app(platform=platform).openapi()
    assert len(ROUTES) == 11
    missing = [f"{method} {path} {status}" for path, method in ROUTES
               for status, answer in spec["paths"][path][method.lower()]["responses"].items()
               if status.startswith("2") and "$ref" not in answer.get("content", {}).get("application/json", {})
               .get("schema", {})]
    assert missing == []


async def test_each_answer_of_a_loans_story_is_its_declared_body(platform, _drop_platform_dbs):
    async with servicing_app(platform, advance_wait_seconds=0) as s:
        app, c = s.app, s.client
        loan_id = await s.disburse()
        partner = conforms(app, "POST", "/v1/partners", await c.post("/v1/partners", json={"name": "Alipay"},
                                                                     headers=s.admin))
        conforms(app, "GET", "/v1/partners", await c.get("/v1/partners", headers=s.admin))
        rotated = conforms(app, "POST", "/v1/partners/{partner_id}/rotate",
                           await c.post(f"/v1/partners/{partner['partner_id']}/rotate", headers=s.admin))
        advanced = conforms(app, "POST", "/v1/business-date/advance",
                            await c.post("/v1/business-date/advance", json={"to": "2026-04-25"}, headers=s.admin))
        job = conforms(app, "GET", "/v1/business-date/jobs/{job_id}",
                       await c.get(f"/v1/business-date/jobs/{advanced['job_id']}", headers=s.reader))
        assert job["days_total"] == 55
        await s.job_done(job["job_id"])
        conforms(app, "GET", "/v1/business-date/closes", await c.get("/v1/business-date/closes", headers=s.reader))
        conforms(app, "GET", "/v1/business-date", await c.get("/v1/business-date", headers=s.reader))
        loan = conforms(app, "GET", "/v1/loans/{loan_id}", await c.get(f"/v1/loans/{loan_id}", headers=s.reader))
        paid = conforms(app, "POST", "/v1/repayments",
                        await s.pay({**partner, "secret": rotated["secret"]}, loan_id, loan["overdue"]["total"],
                                    key="k-1"))
        assert paid["status"] == "current"
        conforms(app, "GET", "/v1/loans/{loan_id}/schedule",
                 await c.get(f"/v1/loans/{loan_id}/schedule", headers=s.reader))
        conforms(app, "GET", "/v1/loans", await c.get("/v1/loans", headers=s.reader))
        async with servicing_app(platform) as short:  # the same database: one more day answers 200 when done
            day = START + timedelta(days=56)
            done = conforms(short.app, "POST", "/v1/business-date/advance",
                            await short.client.post("/v1/business-date/advance", json={"to": day.isoformat()},
                                                    headers=short.admin))
            assert [d["business_date"] for d in done["closed"]] == [day.isoformat()]
