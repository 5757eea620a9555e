"""Browser tests: the four services and the workbench as `loanflow serve` processes (as `loanflow up`
runs them) on real PostgreSQL and the test broker, a small book of loans whose first installment
went unpaid, and Debian's Chromium driven by Playwright. Without a browser they skip, saying why."""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from loanflow.client import LoanflowClient
from loanflow.stories import first_due, missed_and_opened
from loanflow.world import World
from shared.auth import TokenIssuer
from shared.config import SERVICES, PlatformSettings
from shared.db import drop_database
from tests.e2e.conftest import ROOT, System

OUTPUT = Path(os.environ.get("LOANFLOW_TEST_OUTPUT", ROOT / "test-output")) / "workbench"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync"]
BOOK = ("wb-a", "wb-b", "wb-c", "wb-d")


def _browser_missing() -> str | None:
    if shutil.which("chromium") is None:
        return "no chromium on PATH (Debian: apt-get install chromium fonts-noto-cjk; .ci/run does it)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install -e '.[test]')"
    return None


@dataclass
class Book:
    """The running system, the workbench URL, and the open cases of the book by loan key."""

    system: System
    url: str
    cases: dict[str, dict[str, Any]]
    business_date: date
    client: LoanflowClient
    loop: asyncio.AbstractEventLoop

    def api_read(self, service: str, path: str) -> dict[str, Any]:
        """`GET /v1<path>` as admin (plain httpx: Playwright owns the loop)."""
        token = TokenIssuer(self.system.platform.signing_key()).issue("ops", ["admin"])
        answer = httpx.get(f"{self.system.urls()[service]}/v1{path}",
                           headers={"Authorization": f"Bearer {token}"}, timeout=10)
        answer.raise_for_status()
        return answer.json()  # type: ignore[no-any-return]

    def api_case(self, case_id: str) -> dict[str, Any]:
        """The case as collections' API has it now."""
        return self.api_read("collections", f"/cases/{case_id}")


@pytest.fixture(scope="module")
def book(pg_url: str, kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Book]:
    """Four services + the workbench; four loans disbursed on 1 March whose first installment went unpaid."""
    missing = _browser_missing()
    if missing:
        pytest.skip(missing)
    home = tmp_path_factory.mktemp("workbench") / ".loanflow"
    home.mkdir(parents=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOANFLOW_")}
    env.update({"LOANFLOW_ENV": "test", "LOANFLOW_HOME": str(home), "LOANFLOW_DATABASE_URL": pg_url,
                "LOANFLOW_KAFKA_BOOTSTRAP": kafka_bootstrap, "LOANFLOW_TOPIC_PREFIX": f"w{uuid.uuid4().hex[:10]}",
                "LOANFLOW_TOPIC_PARTITIONS": "3", "LOANFLOW_JWT_SECRET": "wb-" + uuid.uuid4().hex,
                "LOANFLOW_START_DATE": "2026-03-01", "PYTHONPATH": str(ROOT)})
    platform = PlatformSettings(env="test", home=home, database_url=pg_url, kafka_bootstrap=kafka_bootstrap,
                                topic_prefix=env["LOANFLOW_TOPIC_PREFIX"], jwt_secret=env["LOANFLOW_JWT_SECRET"])
    system = System(env=env, home=home, platform=platform)
    loop = asyncio.new_event_loop()
    client: LoanflowClient | None = None
    try:
        for service in SERVICES:
            system.start(service)
        system.wait_ready()
        system.env.update({f"LOANFLOW_{s.upper()}_URL": url for s, url in system.urls().items()})
        workbench = system.start("workbench")
        system.wait_ready()
        client = LoanflowClient(system.urls(), platform.signing_key())
        cases, business_date = loop.run_until_complete(_unpaid_book(client))
        yield Book(system, workbench.url, cases, business_date, client, loop)
    finally:
        if client is not None:
            loop.run_until_complete(client.close())
        system.stop_all()
        if not os.environ.get("LOANFLOW_TEST_KEEP_DB"):
            for service in SERVICES:
                try:
                    loop.run_until_complete(drop_database(platform.service_dsn(service)))
                except Exception:
                    pass
        loop.close()


async def _unpaid_book(client: LoanflowClient) -> tuple[dict[str, dict[str, Any]], date]:
    partner = await client.add_partner("wb-bank")
    world = World(client, partner, seed=11)
    for n, key in enumerate(BOOK):
        await world.originate(key, amount=f"{(n + 2) * 6000}.00", n=700 + n, term_months=6)
    await world.await_schedules()
    d1 = await first_due(world)
    await missed_and_opened(world, list(BOOK), d1)
    cases = {}
    for key in BOOK:
        found = await client.get("collections", "/v1/cases", ("ops", "admin"),
                                 params={"loan_id": world.loans[key].loan_id})
        cases[key] = found["items"][0]
    return cases, d1 + timedelta(days=1)


@pytest.fixture(scope="module")
def browser(book: Book) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def open_page(browser: Any, book: Book, request: pytest.FixtureRequest) -> Iterator[Any]:
    """`open_page(lang, javascript=True)` → a fresh page (own cookies); its screenshot is saved when the test ends."""
    contexts: list[Any] = []
    pages: list[Any] = []

    def make(lang: str = "zh", javascript: bool = True) -> Any:
        context = browser.new_context(viewport={"width": 1400, "height": 1000}, java_script_enabled=javascript,
                                      locale="zh-CN" if lang == "zh" else "en-US", base_url=book.url)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        pages.append(page)
        return page

    yield make
    OUTPUT.mkdir(parents=True, exist_ok=True)
    for n, page in enumerate(pages):
        suffix = f"-{n + 1}" if len(pages) > 1 else ""
        try:
            page.screenshot(path=str(OUTPUT / f"{request.node.name}{suffix}.png"), full_page=True)
        except Exception:
            pass
    for context in contexts:
        context.close()
