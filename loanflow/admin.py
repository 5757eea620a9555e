"""Admin commands talking to a running system: token, partner add, business-date advance, migrate."""

from __future__ import annotations

import asyncio
import json
import os
import time
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

import httpx
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from loanflow.runtime import home_dir, no_running_system, platform_settings, runtime_path, service_url
from shared.auth import TokenIssuer
from shared.config import SERVICES

err = Console(stderr=True)


def issue_token(sub: str, roles: list[str], ttl_seconds: int = 12 * 3600) -> str:
    """A bearer token signed with the key the services use (LOANFLOW_JWT_SECRET or LOANFLOW_HOME/jwt.key)."""
    return TokenIssuer(platform_settings().signing_key()).issue(sub, roles, ttl_seconds=ttl_seconds)


def admin_client(service: str, timeout: float = 60.0) -> httpx.Client:
    """An HTTP client on a service with an admin bearer token."""
    headers = {"Authorization": f"Bearer {issue_token('loanflow-cli', ['admin'], 3600)}"}
    return httpx.Client(base_url=service_url(service), headers=headers, timeout=timeout)


def fail_response(response: httpx.Response) -> int:
    """Print an API error on stderr; the exit code for it."""
    err.print(f"[red]{response.request.method} {response.request.url} -> {response.status_code}[/red]")
    err.print(response.text[:2000], markup=False)
    return 1


def cmd_token(sub: str, roles: list[str], ttl: int) -> int:
    print(issue_token(sub, roles, ttl))
    return 0


def _servicing_call(method: str, path: str, body: dict[str, Any] | None = None) -> httpx.Response | None:
    """An admin call to servicing; None (after saying why on stderr) when it is not reachable."""
    try:
        with admin_client("servicing") as client:
            return client.request(method, path, json=body)
    except httpx.HTTPError as exc:
        err.print(f"[red]servicing is not reachable at {service_url('servicing')}: {exc}[/red]")
        return None


def cmd_partner_add(name: str, channel: str | None = None) -> int:
    """POST /v1/partners on servicing; prints `{"partner_id", "secret"}` alone on stdout."""
    response = _servicing_call("POST", "/v1/partners", {"name": name, "channel": channel})
    if response is None:
        return 1
    if response.status_code not in (200, 201):
        return fail_response(response)
    body = response.json()
    print(json.dumps({"partner_id": body["partner_id"], "secret": body["secret"]}))
    return 0


def cmd_partner_rotate(partner_id: str, grace_hours: int | None = None) -> int:
    """POST /v1/partners/{id}/rotate; prints the new `{"partner_id", "secret"}`."""
    response = _servicing_call("POST", f"/v1/partners/{partner_id}/rotate",
                               None if grace_hours is None else {"grace_hours": grace_hours})
    if response is None:
        return 1
    if response.status_code not in (200, 201):
        return fail_response(response)
    body = response.json()
    print(json.dumps({"partner_id": body["partner_id"], "secret": body["secret"]}))
    return 0


def cmd_partner_list() -> int:
    """Every registered partner (GET /v1/partners, all pages) as a table."""
    rows: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        response = _servicing_call("GET", "/v1/partners?limit=500" + (f"&cursor={cursor}" if cursor else ""))
        if response is None:
            return 1
        if response.status_code != 200:
            return fail_response(response)
        page = response.json()
        rows += page["items"]
        cursor = page.get("next_cursor")
        if not cursor:
            break
    columns = sorted({k for row in rows for k in row if k != "secret"}) or ["partner_id"]
    table = Table(title=f"{len(rows)} partner(s)")
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*(str(row.get(c, "")) for c in columns))
    Console().print(table)
    return 0


def _summary_row(response: dict[str, Any]) -> dict[str, str]:
    """Scalar fields of a day-close answer (whatever servicing reports), as strings."""
    return {k: str(v) for k, v in response.items()
            if isinstance(v, str | int | float | bool) and k != "business_date"}


def _total(values: list[str]) -> str:
    """Sum of a numeric column (integers or decimals), blank for anything else."""
    try:
        return str(sum(Decimal(v) for v in values if v != ""))
    except (InvalidOperation, ValueError):
        return ""


POLL_SECONDS = 0.5
MONTHLY_AFTER_DAYS = 92  # a longer advance is summed per month in the table


def _follow_job(client: httpx.Client, job: dict[str, Any]) -> dict[str, Any] | httpx.Response:
    """Poll `GET /v1/business-date/jobs/{job_id}` with a progress bar until the job ends."""
    with Progress(TextColumn("day-close to {task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=err) as progress:
        task = progress.add_task(str(job["to"]), total=job["days_total"], completed=job["days_done"])
        while job["status"] == "running":
            time.sleep(POLL_SECONDS)
            response = client.get(f"/v1/business-date/jobs/{job['job_id']}")
            if response.status_code != 200:
                return response
            job = response.json()
            progress.update(task, completed=job["days_done"])
    return job


def _closed_days(client: httpx.Client, first: str, to: str) -> list[dict[str, Any]] | httpx.Response:
    """Every day closed in first .. to (`GET /v1/business-date/closes`, all pages)."""
    days: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        params = {"from": first, "to": to, "limit": 500} | ({"cursor": cursor} if cursor else {})
        response = client.get("/v1/business-date/closes", params=params)
        if response.status_code != 200:
            return response
        days += response.json()["items"]
        cursor = response.json()["next_cursor"]
        if not cursor:
            return days


def _by_month(days: list[dict[str, Any]]) -> list[tuple[str, dict[str, str]]]:
    months: dict[str, list[dict[str, str]]] = {}
    for day in days:
        months.setdefault(day["business_date"][:7], []).append(_summary_row(day))
    return [(month, {c: _total([r.get(c, "") for r in rows]) for c in rows[0]} | {"days": str(len(rows))})
            for month, rows in months.items()]


def cmd_business_date_advance(to: date) -> int:
    """Advance servicing's business date up to `to`: one request; a long advance is a job, followed
    with a progress bar until it ends; then a table of the days closed (per month when long)."""
    try:
        with admin_client("servicing", timeout=60) as client:
            current = client.get("/v1/business-date")
            if current.status_code != 200:
                return fail_response(current)
            today = current.json()["business_date"]
            response = client.post("/v1/business-date/advance", json={"to": to.isoformat()})
            if response.status_code == 200:
                days = response.json()["closed"]
            elif response.status_code == 202:
                job = _follow_job(client, response.json())
                if isinstance(job, httpx.Response):
                    return fail_response(job)
                if job["status"] != "done":
                    err.print(f"[red]advance job {job['job_id']} {job['status']} after {job['days_done']} of "
                              f"{job['days_total']} days (business date {job['business_date']}): "
                              f"{job.get('error')}[/red]", markup=True)
                    return 1
                found = _closed_days(client, job["first_day"], job["to"])
                if isinstance(found, httpx.Response):
                    return fail_response(found)
                days = found
            else:
                return fail_response(response)
    except httpx.HTTPError as exc:
        err.print(f"[red]servicing is not reachable at {service_url('servicing')}: {exc}[/red]")
        return 1
    if not days:
        err.print(f"business date is already {today}; nothing to do")
        return 0
    rows = _by_month(days) if len(days) > MONTHLY_AFTER_DAYS else \
        [(d["business_date"], _summary_row(d)) for d in days]
    columns = sorted({k for _, row in rows for k in row})
    table = Table(title=f"business date {today} → {to}")
    table.add_column("month" if len(days) > MONTHLY_AFTER_DAYS else "day")
    for column in columns:
        table.add_column(column, justify="right")
    for label, row in rows:
        table.add_row(label, *(row.get(c, "") for c in columns))
    table.add_section()
    table.add_row(f"{len(days)} days", *(_total([row.get(c, "") for _, row in rows]) for c in columns))
    Console(soft_wrap=True).print(table)
    return 0


def cmd_migrate(services: list[str]) -> int:
    """Create each service's database if needed and run its Alembic migrations to head."""
    from loanflow.serve import migrations_dir
    from shared.db import ensure_database
    from shared.migrate import upgrade

    platform = platform_settings(signing=False)
    if not platform.database_url and not any(_service_database_override(s) for s in services or SERVICES):
        raise no_running_system(platform.home, " and LOANFLOW_DATABASE_URL is not set")
    console = Console()

    async def run() -> None:
        for service in services or list(SERVICES):
            override = _service_database_override(service)
            dsn = platform.service_dsn(service, override)
            await ensure_database(dsn)
            await upgrade(migrations_dir(service), dsn)
            console.print(f"[green]✓[/green] {service} migrated")

    try:
        asyncio.run(run())
    except ValueError as exc:
        err.print(f"[red]{exc}[/red]")
        return 1
    return 0


def _service_database_override(service: str) -> str | None:
    return os.environ.get(f"LOANFLOW_{service.upper()}_DATABASE_URL") or None


def _embedded_parts(runtime: dict[str, Any]) -> list[tuple[str, str, bool, str]]:
    """(name, address, up, detail) of the embedded PostgreSQL and broker a running `loanflow up` supervises."""
    import psutil

    from loanflow.embedded import port_open

    rows = []
    embedded = runtime.get("embedded") or {}
    for name, address in (("postgres", runtime.get("database_url")), ("broker", runtime.get("kafka_bootstrap"))):
        part = embedded.get(name)
        if not isinstance(part, dict):
            continue
        pid = part.get("pid")
        alive = isinstance(pid, int) and psutil.pid_exists(pid)
        if name == "broker" and alive:
            host, _, port = str(address).rpartition(":")
            alive = port_open(host, int(port))
        state = "running" if alive else ("restarting" if not part.get("up") else "down")
        rows.append((f"{name} (embedded)", str(address), alive,
                     f"pid {pid}, {state}, restarts: {part.get('restarts', 0)}, log {part.get('log')}"))
    return rows


def cmd_status() -> int:
    """Each service's URL and /readyz answer, and the embedded parts; 0 when all are ready."""
    from loanflow.runtime import read_runtime

    runtime = read_runtime()
    table = Table(title="loanflow" + (f" (loanflow up, pid {runtime['pid']})" if runtime else ""))
    for column in ("service", "url", "ready", "checks"):
        table.add_column(column)
    all_ready = True
    with httpx.Client(timeout=3.0) as client:
        for service in SERVICES:
            url = service_url(service)
            try:
                response = client.get(url + "/readyz")
                ready = response.status_code == 200
                checks = ", ".join(f"{k}: {v}" for k, v in response.json().get("checks", {}).items())
            except (httpx.HTTPError, ValueError) as exc:
                ready, checks = False, f"unreachable ({type(exc).__name__})"
            all_ready &= ready
            table.add_row(service, url, "[green]yes[/green]" if ready else "[red]no[/red]", checks)
    for name, where, up, detail in _embedded_parts(runtime or {}):
        all_ready &= up
        table.add_row(name, where, "[green]yes[/green]" if up else "[red]no[/red]", detail)
    console = Console(soft_wrap=True)
    console.print(table)
    if runtime:
        console.print(f"broker {runtime.get('kafka_bootstrap')}   PostgreSQL {runtime.get('database_url')}")
    else:
        err.print(f"no running `loanflow up` recorded in {runtime_path(home_dir())}")
    return 0 if all_ready else 1
