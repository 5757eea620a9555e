"""`loanflow up` on a machine with no LOANFLOW_* variables: embedded PostgreSQL and broker, four
services ready within 60 s, a dead service restarted, and SIGTERM leaves no process behind."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import httpx
import psutil
import pytest

from loanflow.embedded import free_port
from loanflow.runtime import WORKBENCH
from loanflow.testing import Up, gone, service_ready, wait_all_ready
from shared.config import SERVICES

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
READY_WITHIN_SECONDS = 60.0  # the promise of `loanflow up`, checked by the first test
SETTLE_SECONDS = 180.0  # later tests only need the system up again (e.g. after a restart)


def test_up_starts_embedded_infrastructure_and_all_four_services_become_ready(up: Up):
    urls = wait_all_ready(up, READY_WITHIN_SECONDS)
    assert sorted(urls) == sorted((*SERVICES, WORKBENCH))
    runtime = up.runtime()
    assert runtime["kafka_bootstrap"] == f"127.0.0.1:{up.env['LOANFLOW_BROKER_PORT']}"
    assert str(up.home / "pg") in runtime["database_url"]
    for service in (*SERVICES, WORKBENCH):
        assert urls[service].endswith(":" + up.env[f"LOANFLOW_{service.upper()}_PORT"])
    queue = httpx.get(urls[WORKBENCH] + "/dev-login", params={"user": "wang", "role": "collector"},
                      follow_redirects=True)
    assert queue.status_code == 200 and queue.url.path == "/queue", "the workbench signs in and reaches collections"
    # `up` polls /readyz on its own schedule: its "ready" line may follow ours by a poll or two.
    deadline = time.monotonic() + 30
    while "services ready" not in up.output.read_text() and time.monotonic() < deadline:
        time.sleep(0.2)
    printed = up.output.read_text()
    assert "services ready" in printed
    for url in urls.values():
        assert url in printed


def test_a_token_from_another_terminal_and_directory_is_accepted_by_the_running_services(up: Up, tmp_path: Path):
    urls = wait_all_ready(up, SETTLE_SECONDS)
    keys = sorted(p.name for p in up.home.glob("*.key"))
    admin = up.cli("token", "--role", "admin", "--sub", "ops", cwd=tmp_path)
    assert admin.returncode == 0, admin.stderr
    assert not (tmp_path / ".loanflow").exists()
    assert sorted(p.name for p in up.home.glob("*.key")) == keys == ["jwt.key", "secrets.key"]
    token = admin.stdout.strip()
    exported = httpx.get(urls["servicing"] + "/v1/events", headers={"Authorization": f"Bearer {token}"})
    assert exported.status_code == 200
    collector = up.cli("token", "--role", "collector", "--sub", "wang").stdout.strip()
    refused = httpx.get(urls["servicing"] + "/v1/events", headers={"Authorization": f"Bearer {collector}"})
    assert refused.status_code == 403


def test_partner_add_from_another_directory_prints_the_new_partner_as_json(up: Up, tmp_path: Path):
    urls = wait_all_ready(up, SETTLE_SECONDS)
    added = up.cli("partner", "add", "acme-pay", cwd=tmp_path)
    assert added.returncode == 0, added.stderr
    partner = json.loads(added.stdout)
    assert set(partner) == {"partner_id", "secret"}
    assert partner["partner_id"] and partner["secret"]
    assert not (tmp_path / ".loanflow").exists()
    bank = up.cli("partner", "add", "bank-pay", "--channel", "mortgage", cwd=tmp_path)
    assert bank.returncode == 0, bank.stderr
    admin = {"Authorization": "Bearer " + up.cli("token", "--role", "admin").stdout.strip()}
    listed = httpx.get(urls["servicing"] + "/v1/partners", headers=admin).json()["items"]
    assert {p["name"]: p["channel"] for p in listed} == {"acme-pay": None, "bank-pay": "mortgage"}
    unknown = up.cli("partner", "add", "nowhere-pay", "--channel", "nowhere", cwd=tmp_path)
    assert unknown.returncode == 1 and "unknown_channel" in unknown.stderr


def test_a_command_pointed_at_another_state_directory_says_no_system_runs_there(up: Up, tmp_path: Path):
    wait_all_ready(up, SETTLE_SECONDS)
    elsewhere = subprocess.run([sys.executable, "-m", "loanflow.cli", "token", "--role", "admin"],
                               env={**up.env, "LOANFLOW_HOME": str(tmp_path / "other")}, cwd=tmp_path,
                               capture_output=True, text=True, timeout=60)
    assert elsewhere.returncode == 1
    assert elsewhere.stdout == ""
    assert "no running loanflow system found" in elsewhere.stderr
    assert not (tmp_path / "other" / "jwt.key").exists()


def test_a_service_that_dies_is_restarted_and_becomes_ready_again(up: Up):
    wait_all_ready(up, SETTLE_SECONDS)
    before = up.runtime()["services"]["reporting"]
    os.kill(before["pid"], signal.SIGKILL)
    deadline = time.monotonic() + SETTLE_SECONDS
    while time.monotonic() < deadline:
        now = up.runtime()["services"]["reporting"]
        if now["pid"] != before["pid"] and service_ready(now["url"]):
            break
        time.sleep(0.5)
    else:
        raise AssertionError("reporting was not restarted:\n" + up.log())
    assert "reporting exited" in up.output.read_text()


def test_business_date_advance_closes_each_day_and_prints_a_summary(up: Up):
    urls = wait_all_ready(up, SETTLE_SECONDS)
    token = up.cli("token", "--role", "admin", "--sub", "ops").stdout.strip()
    auth = {"Authorization": f"Bearer {token}"}
    today = date.fromisoformat(httpx.get(urls["servicing"] + "/v1/business-date", headers=auth).json()["business_date"])
    target = today + timedelta(days=3)
    advanced = up.cli("business-date", "advance", "--to", target.isoformat())
    assert advanced.returncode == 0, advanced.stderr
    for n in (1, 2, 3):
        assert str(today + timedelta(days=n)) in advanced.stdout
    assert "3 days" in advanced.stdout
    now = httpx.get(urls["servicing"] + "/v1/business-date", headers=auth).json()
    assert now["business_date"] == target.isoformat()
    again = up.cli("business-date", "advance", "--to", target.isoformat())
    assert again.returncode == 0 and "nothing to do" in again.stderr


def test_servicing_files_credit_bureau_reports_under_the_state_directory(up: Up):
    urls = wait_all_ready(up, SETTLE_SECONDS)
    token = up.cli("token", "--role", "admin", "--sub", "ops").stdout.strip()
    r = httpx.get(urls["servicing"] + "/v1/credit-bureau", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200, r.text
    assert (r.json()["enabled"], r.json()["destination_problem"], r.json()["pending"]) == (True, None, 0)
    servicing = psutil.Process(up.runtime()["services"]["servicing"]["pid"])
    assert servicing.environ()["LOANFLOW_SERVICING_CREDIT_BUREAU_DIR"] == str(up.home / "credit-bureau")


def test_reporting_rebuild_replays_the_event_stores_and_prints_a_summary(up: Up):
    wait_all_ready(up, SETTLE_SECONDS)
    rebuilt = up.cli("reporting", "rebuild", "--source", "stores")
    if rebuilt.returncode == 2 and "not available" in rebuilt.stderr:
        pytest.skip("services/reporting/rebuild.py is not in this checkout")
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert "reporting rebuild from stores" in rebuilt.stdout
    assert "events_read" in rebuilt.stdout


def test_migrate_from_another_terminal_finds_the_embedded_database(up: Up):
    wait_all_ready(up, SETTLE_SECONDS)
    migrated = up.cli("migrate")
    assert migrated.returncode == 0, migrated.stderr
    for service in SERVICES:
        assert f"{service} migrated" in migrated.stdout


def test_status_from_another_terminal_shows_every_service_ready(up: Up):
    wait_all_ready(up, SETTLE_SECONDS)
    status = up.cli("status")
    assert status.returncode == 0, status.stdout + status.stderr
    for service in SERVICES:
        assert service in status.stdout
    assert f"pid {up.proc.pid}" in status.stdout


def test_every_service_exposes_the_operational_metrics(up: Up):
    urls = wait_all_ready(up, SETTLE_SECONDS)
    for service, url in urls.items():
        text = httpx.get(url + "/metrics").text
        for metric in (("http_request_duration_seconds", "api_call_duration_seconds") if service == WORKBENCH else
                       ("http_request_duration_seconds", "events_published_total", "outbox_oldest_unsent_age_seconds",
                        "consumer_lag_records", "dead_letters_total")):
            assert f"# TYPE {metric}" in text, f"{service} /metrics lacks {metric}"


def test_sigterm_stops_every_process_up_started(up: Up):
    wait_all_ready(up, SETTLE_SECONDS)
    runtime = up.runtime()
    pids = [s["pid"] for s in runtime["services"].values()]
    pids += [runtime["embedded"]["broker_pid"], runtime["embedded"]["postgres_pid"]]
    pids += [p.pid for p in psutil.Process(up.proc.pid).children(recursive=True)]
    up.proc.send_signal(signal.SIGTERM)
    assert up.proc.wait(60) == 0
    left = [pid for pid in pids if not gone(pid)]
    assert left == [], f"processes still running after SIGTERM: {left}"
    assert not (up.home / "runtime.json").exists()
    assert "all stopped" in up.output.read_text()


def test_up_refuses_to_start_when_a_service_port_is_taken(tmp_path: Path):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {k: v for k, v in os.environ.items() if not k.startswith("LOANFLOW_")}
        env.update({"LOANFLOW_HOME": str(tmp_path / ".loanflow"), "LOANFLOW_SERVICING_PORT": str(port),
                    "PYTHONPATH": str(ROOT)})
        done = subprocess.run([sys.executable, "-m", "loanflow.cli", "up"], env=env, cwd=ROOT,
                              capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert f"servicing ({port})" in done.stdout
    assert not (tmp_path / ".loanflow" / "runtime.json").exists()
    assert not (tmp_path / ".loanflow" / "pg").exists(), "nothing was started"


def _up_on(pg_url: str, kafka_bootstrap: str, created: list[str]) -> Up:
    """`loanflow up` on the test session's PostgreSQL and broker (a fresh topic prefix, so fresh databases)."""
    import uuid

    from shared.config import with_database

    prefix = f"up{uuid.uuid4().hex[:8]}"
    created.extend(with_database(pg_url, f"{prefix}_{s}") for s in SERVICES)
    home = Path(tempfile.mkdtemp(prefix="loanflow-up-")) / ".loanflow"
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOANFLOW_")}
    env.update({"LOANFLOW_HOME": str(home), "LOANFLOW_DATABASE_URL": pg_url,
                "LOANFLOW_KAFKA_BOOTSTRAP": kafka_bootstrap, "LOANFLOW_TOPIC_PREFIX": prefix, "PYTHONPATH": str(ROOT)})
    for service in (*SERVICES, WORKBENCH):
        env[f"LOANFLOW_{service.upper()}_PORT"] = str(free_port())
    home.mkdir(parents=True)
    output = home.parent / "up.out"
    with open(output, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "loanflow.cli", "up"], env=env, cwd=ROOT,
                                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    return Up(proc, home, env, output)


def _finish(system: Up) -> None:
    if system.proc.poll() is None:
        os.killpg(system.proc.pid, signal.SIGKILL)
        system.proc.wait(5)
    shutil.rmtree(system.home.parent, ignore_errors=True)


def test_with_a_configured_database_and_broker_up_starts_only_the_services(
        pg_url: str, kafka_bootstrap: str, _created_databases: list[str]):
    system = _up_on(pg_url, kafka_bootstrap, _created_databases)
    try:
        wait_all_ready(system, SETTLE_SECONDS)
        runtime = system.runtime()
        assert runtime["database_url"] == pg_url
        assert runtime["kafka_bootstrap"] == kafka_bootstrap
        assert runtime["embedded"] == {"postgres_pid": None, "broker_pid": None}
        assert not (system.home / "pg").exists()
        service_pids = [s["pid"] for s in runtime["services"].values()]
        system.proc.send_signal(signal.SIGINT)
        assert system.proc.wait(60) == 0
        assert all(gone(pid) for pid in service_pids)
    finally:
        _finish(system)


def test_services_do_not_outlive_a_killed_up(pg_url: str, kafka_bootstrap: str, _created_databases: list[str]):
    system = _up_on(pg_url, kafka_bootstrap, _created_databases)
    try:
        wait_all_ready(system, SETTLE_SECONDS)
        service_pids = [s["pid"] for s in system.runtime()["services"].values()]
        os.kill(system.proc.pid, signal.SIGKILL)  # no chance to clean up: the kernel tells the children
        system.proc.wait(10)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not all(gone(pid) for pid in service_pids):
            time.sleep(0.5)
        assert [pid for pid in service_pids if not gone(pid)] == []
    finally:
        _finish(system)


def test_a_failed_start_says_why_and_leaves_nothing_running():
    import socket

    home = Path(tempfile.mkdtemp(prefix="loanflow-up-")) / ".loanflow"
    try:
        with socket.socket() as taken:
            taken.bind(("127.0.0.1", 0))
            taken.listen()
            env = {k: v for k, v in os.environ.items() if not k.startswith("LOANFLOW_")}
            env.update({"LOANFLOW_HOME": str(home), "LOANFLOW_BROKER_PORT": str(taken.getsockname()[1]),
                        "PYTHONPATH": str(ROOT)})
            for service in SERVICES:
                env[f"LOANFLOW_{service.upper()}_PORT"] = str(free_port())
            done = subprocess.run([sys.executable, "-m", "loanflow.cli", "up"], env=env, cwd=ROOT,
                                  capture_output=True, text=True, timeout=120)
        assert done.returncode == 1
        assert "is already in use" in done.stdout
        assert "loanflow up failed" in done.stdout
        assert "all stopped" in done.stdout
        pid_file = home / "pg" / "postmaster.pid"
        assert not pid_file.exists(), "the embedded PostgreSQL it had started was stopped"
        assert not (home / "runtime.json").exists()
    finally:
        shutil.rmtree(home.parent, ignore_errors=True)
