"""The shared service layer on real PostgreSQL: unit of work, idempotent replays, the one error mapping, the bus."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi import APIRouter

from loanflow.testing import running
from shared.contracts import CloudEvent
from shared.errors import ConcurrencyConflict, Conflict, DomainError, Forbidden, NotFound, Unprocessable
from shared.messagebus import Command, CommandBus
from shared.service import IdempotencyDep, KernelDep, ServiceKernel, create_service_app


def noted(stream: str, n: int) -> CloudEvent:
    return CloudEvent(source="platform", type="test.noted", subject=stream, data={"n": n}, correlationid="c",
                      businessdate=date(2026, 3, 1))


class LoanRefused(Conflict):
    """A service's own refusal: it subclasses a shared kind and is mapped by the shared handler."""

    code = "loan_paid_off"


class NotYourCase(Forbidden):
    code = "not_assignee"


router = APIRouter(prefix="/notes", tags=["notes"])


@router.post("/{stream}", status_code=201)
async def note(stream: str, kernel: KernelDep, key: IdempotencyDep, n: int = 0) -> dict[str, Any]:
    """Append one event; with an Idempotency-Key a retry replays the first answer."""
    async with kernel.unit_of_work() as uow:
        async def record() -> dict[str, Any]:
            version = len(await uow.load(stream))
            if n < 0:
                raise Unprocessable("n must not be negative", code="negative_n")
            stamped = await uow.append(stream, [noted(stream, n)], version)
            return {"stream": stream, "version": stamped[-1].sequence}
        return await uow.once(f"notes:{stream}", key, record)


@router.get("/refusals/{kind}")
async def refuse(kind: str) -> dict[str, Any]:
    raise {"paid_off": LoanRefused("the loan is paid off"), "assignee": NotYourCase("not your case"),
           "missing": NotFound("no such note", code="note_not_found"),
           "race": ConcurrencyConflict("note-1", 3)}[kind]


@pytest.fixture
async def service(platform, platform_db):
    local = platform.model_copy(update={"run_background": False, "migrate_on_start": False})
    kernel = ServiceKernel("platform", local, platform_db, Path("."))
    app = create_service_app(kernel, title="notes", routers=[router])
    async with running(app) as client:
        yield kernel, client


async def counts(kernel: ServiceKernel) -> tuple[int, int]:
    async with kernel.db.acquire() as conn:
        return await conn.fetchval("SELECT count(*) FROM events"), await conn.fetchval("SELECT count(*) FROM outbox")


async def test_a_unit_of_work_commits_events_with_their_outbox_rows_or_nothing(service):
    kernel, _ = service
    async with kernel.unit_of_work() as uow:
        await uow.append("note-a", [noted("note-a", 1), noted("note-a", 2)], 0)
    assert await counts(kernel) == (2, 2)
    with pytest.raises(RuntimeError):
        async with kernel.unit_of_work() as uow:
            await uow.append("note-b", [noted("note-b", 1)], 0)
            await uow.conn.execute("INSERT INTO idempotency_keys (scope, key, request_hash) VALUES ('s', 'k', 'h')")
            raise RuntimeError("the handler failed after appending")
    assert await counts(kernel) == (2, 2)  # neither the event, its outbox row nor the key survived
    async with kernel.db.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM idempotency_keys") == 0
    with pytest.raises(ConcurrencyConflict):
        async with kernel.unit_of_work() as uow:
            await uow.append("note-a", [noted("note-a", 3)], 1)  # the stream is at 2: a lost race
    async with kernel.unit_of_work() as uow:
        assert [e.data["n"] for e in await uow.load("note-a")] == [1, 2]
    assert kernel.db.get_size() - kernel.db.get_idle_size() == 0  # every connection went back to the pool


async def test_a_retry_with_the_same_key_replays_status_body_and_says_so(service):
    kernel, client = service
    first = await client.post("/v1/notes/note-r?n=7", headers={"Idempotency-Key": "k-1"})
    assert first.status_code == 201 and first.json() == {"stream": "note-r", "version": 1}
    assert "idempotent-replayed" not in first.headers
    again = await client.post("/v1/notes/note-r?n=7", headers={"Idempotency-Key": "k-1"})
    assert again.status_code == 201 and again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert await counts(kernel) == (1, 1)  # recorded once
    other = await client.post("/v1/notes/note-r?n=8", content=b"{}", headers={"Idempotency-Key": "k-1"})
    assert other.status_code == 409 and other.json()["error"]["code"] == "idempotency_key_reused"
    unkeyed = await client.post("/v1/notes/note-r?n=7")
    assert unkeyed.status_code == 201 and unkeyed.json()["version"] == 2


async def test_a_refused_keyed_request_stores_nothing_and_its_retry_runs_again(service):
    kernel, client = service
    refused = await client.post("/v1/notes/note-x?n=-1", headers={"Idempotency-Key": "k-2"})
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "negative_n"
    assert await counts(kernel) == (0, 0)
    async with kernel.db.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM idempotency_keys") == 0
    retried = await client.post("/v1/notes/note-x?n=-1", headers={"Idempotency-Key": "k-2"})
    assert retried.status_code == 422 and "idempotent-replayed" not in retried.headers


@pytest.mark.parametrize(("kind", "status", "code"), [
    ("paid_off", 409, "loan_paid_off"), ("assignee", 403, "not_assignee"), ("missing", 404, "note_not_found"),
    ("race", 409, "concurrent_modification")])
async def test_every_domain_error_is_mapped_once_onto_the_contract_format(service, kind, status, code):
    _, client = service
    r = await client.get(f"/v1/notes/refusals/{kind}")
    assert r.status_code == status
    assert r.json()["error"]["code"] == code and r.json()["error"]["message"]
    assert isinstance(r.json()["error"]["details"], list)


def test_the_error_kinds_share_one_base_with_status_and_code():
    assert issubclass(LoanRefused, DomainError) and LoanRefused.status == 409
    e = Unprocessable("bad", code="invalid_amount", details=[{"field": "amount"}])
    assert (e.status, e.code, e.message, e.details) == (422, "invalid_amount", "bad", [{"field": "amount"}])


def test_domain_code_can_import_errors_commands_and_keys_without_a_web_framework():
    probe = ("import sys, shared.errors, shared.messagebus, shared.idempotency; "
             "print(sorted({'fastapi', 'starlette', 'asyncpg'} & set(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@dataclass(frozen=True)
class Double(Command[int]):
    n: int


@dataclass(frozen=True)
class Halve(Command[float]):
    n: int


async def test_the_bus_hands_each_command_to_its_handler_with_the_dependencies():
    async def double(cmd: Double, factor: int) -> int:
        return cmd.n * factor

    bus = CommandBus({Double: double}, deps=2)
    assert await bus.handle(Double(21)) == 42
    with pytest.raises(LookupError, match="Halve"):
        await bus.handle(Halve(3))
