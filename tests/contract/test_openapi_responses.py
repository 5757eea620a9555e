"""Every 2xx answer is described in /openapi.json (CONTRACT.md, second round): a typed client can be generated.

A service that has given every route a response model adds one line to SERVICES.
"""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from fastapi import FastAPI

from shared.config import PlatformSettings

SERVICES = [  # bootstrap modules whose create_app() is checked
    "services.origination.bootstrap",
    "services.servicing.bootstrap",
    "services.collections.bootstrap",
    "services.reporting.bootstrap",
]


def build(module: str, tmp_path: Any) -> FastAPI:
    """The service's app as it is wired for production (nothing is started: only its routes are read)."""
    platform = PlatformSettings(env="test", home=tmp_path, database_url="postgresql://nobody@127.0.0.1:1/none",
                                jwt_secret="openapi-test-" + "k" * 32)
    app: FastAPI = importlib.import_module(module).create_app(None, platform)
    return app


def undescribed_2xx(spec: dict[str, Any]) -> list[str]:
    """`METHOD path status` of every 2xx answer whose body has no schema or the empty `{}` schema."""
    components = spec.get("components", {}).get("schemas", {})

    def empty(schema: dict[str, Any]) -> bool:
        if "$ref" in schema:
            schema = components[schema["$ref"].rsplit("/", 1)[-1]]
        described = {"properties", "items", "anyOf", "oneOf", "allOf", "enum", "const"}
        # `{}` or a bare object (what an unannotated route or `-> dict[str, Any]` gives) says nothing
        return not described & schema.keys() and schema.get("type", "object") == "object"

    missing = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            for status, response in operation.get("responses", {}).items():
                if not status.startswith("2") or status == "204":
                    continue
                content = response.get("content") or {}
                if not content or any(empty(media.get("schema") or {}) for media in content.values()):
                    missing.append(f"{method.upper()} {path} {status}")
    return missing


@pytest.mark.parametrize("module", SERVICES)
def test_every_2xx_answer_of_the_service_has_a_schema(module, tmp_path):
    spec = build(module, tmp_path).openapi()
    assert undescribed_2xx(spec) == []
    ops = spec["paths"]
    assert set(ops["/metrics"]["get"]["responses"]["200"]["content"]) == {"text/plain"}
    assert "application/json" not in ops["/metrics"]["get"]["responses"]["200"]["content"]


@pytest.mark.parametrize("module", SERVICES)
def test_error_answers_are_documented_in_the_contract_format(module, tmp_path):
    spec = build(module, tmp_path).openapi()
    for path, operations in spec["paths"].items():
        if not path.startswith("/v1/"):
            continue
        for method, operation in operations.items():
            invalid = operation["responses"].get("422")
            assert invalid is not None, f"{method} {path}"
            assert invalid["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ErrorPublic"}


def test_the_check_finds_an_untyped_route():
    app = FastAPI()

    @app.get("/typed")
    async def typed() -> int:
        return 1

    @app.get("/untyped")
    async def untyped() -> dict[str, Any]:
        return {}

    @app.post("/nothing")
    async def nothing():  # type: ignore[no-untyped-def]
        return None

    assert undescribed_2xx(app.openapi()) == ["GET /untyped 200", "POST /nothing 200"]
