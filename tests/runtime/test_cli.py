"""The `loanflow` commands read the same configuration as the services: tokens, runtime.json, settings."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from loanflow import runtime
from loanflow.cli import build_parser, main
from loanflow.supervisor import Child
from shared.auth import TokenIssuer
from shared.config import PlatformSettings

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A clean LOANFLOW_HOME and no other LOANFLOW_* variables."""
    for key in list(os.environ):
        if key.startswith("LOANFLOW_"):
            monkeypatch.delenv(key)
    home = tmp_path / ".loanflow"
    monkeypatch.setenv("LOANFLOW_HOME", str(home))
    return home


def _running_up(home: Path) -> str:
    """What a live `loanflow up` leaves in its home: runtime.json (this process's pid) and its key."""
    runtime.write_runtime({"pid": os.getpid(), "services": {}}, home)
    return PlatformSettings(home=home).signing_key()  # created, as `loanflow up` does


def test_token_is_signed_with_the_key_of_the_running_up(home: Path, capsys: pytest.CaptureFixture[str]):
    key = _running_up(home)
    assert main(["token", "--role", "team_manager", "--role", "credit_manager", "--sub", "li.na"]) == 0
    token = capsys.readouterr().out.strip()
    assert "\n" not in token
    principal = TokenIssuer(key).verify(token)
    assert principal.sub == "li.na"
    assert principal.roles == {"team_manager", "credit_manager"}


@pytest.mark.parametrize("argv", [["token", "--role", "admin"], ["partner", "add", "acme"], ["partner", "list"],
                                  ["migrate"]])
def test_without_a_running_system_a_command_says_so_and_creates_no_key(
        home: Path, argv: list[str], capsys: pytest.CaptureFixture[str]):
    assert main(argv) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "no running loanflow system found" in captured.err
    assert str(home / "runtime.json") in captured.err.replace("\n", "")
    assert not (home / "jwt.key").exists()
    assert not (home / "secrets.key").exists()


def test_a_dead_up_leaves_no_usable_system_even_with_its_key(home: Path, capsys: pytest.CaptureFixture[str]):
    _running_up(home)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    runtime.write_runtime({"pid": dead.pid, "services": {}}, home)
    assert main(["token", "--role", "admin"]) == 1
    assert "no running loanflow system found" in capsys.readouterr().err


def test_an_up_signing_with_an_env_secret_is_named_when_this_terminal_lacks_it(
        home: Path, capsys: pytest.CaptureFixture[str]):
    runtime.write_runtime({"pid": os.getpid(), "services": {}}, home)  # and no jwt.key
    assert main(["token", "--role", "admin"]) == 1
    assert "LOANFLOW_JWT_SECRET" in capsys.readouterr().err
    assert not (home / "jwt.key").exists()


def test_the_state_directory_is_the_users_data_directory_whatever_the_working_directory(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("LOANFLOW_HOME", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    homes = set()
    for cwd in (tmp_path, tmp_path / "elsewhere"):
        cwd.mkdir(exist_ok=True)
        monkeypatch.chdir(cwd)
        homes |= {runtime.home_dir(), PlatformSettings().home.resolve()}
    if sys.platform.startswith("linux"):
        assert homes == {tmp_path / "data" / "loanflow"}
    else:
        assert len(homes) == 1
    monkeypatch.setenv("LOANFLOW_HOME", str(tmp_path / "mine"))
    assert runtime.home_dir() == PlatformSettings().home == tmp_path / "mine"


def test_token_uses_the_configured_secret_when_set(home: Path, monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]):
    monkeypatch.setenv("LOANFLOW_JWT_SECRET", "production-secret-from-the-environment")
    assert main(["token", "--role", "admin", "--sub", "ops"]) == 0
    token = capsys.readouterr().out.strip()
    assert TokenIssuer("production-secret-from-the-environment").verify(token).roles == {"admin"}
    assert not (home / "jwt.key").exists()


def test_token_as_a_console_command_prints_only_the_token(home: Path):
    key = _running_up(home)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "loanflow.cli", "token", "--role", "collector", "--sub", "zhang"],
                          env=env, capture_output=True, text=True, timeout=60, check=True)
    principal = TokenIssuer(key).verify(done.stdout.strip())
    assert principal.sub == "zhang"


def test_an_unknown_role_is_refused_by_the_command_line(home: Path):
    with pytest.raises(SystemExit) as exited:
        build_parser().parse_args(["token", "--role", "emperor"])
    assert exited.value.code == 2


def test_commands_find_a_running_system_through_runtime_json(home: Path):
    key = _running_up(home)
    runtime.write_runtime({"pid": os.getpid(), "database_url": "postgresql://u@db:5432/postgres",
                           "kafka_bootstrap": "127.0.0.1:39092",
                           "services": {"servicing": {"url": "http://127.0.0.1:18502/"}}})
    assert runtime.service_url("servicing") == "http://127.0.0.1:18502"
    assert runtime.service_url("reporting") == "http://127.0.0.1:8004"
    settings = runtime.platform_settings()
    assert settings.database_url == "postgresql://u@db:5432/postgres"
    assert settings.kafka_bootstrap == "127.0.0.1:39092"
    assert settings.home == home
    assert settings.signing_key(create=False) == key


def test_the_environment_wins_over_runtime_json(home: Path, monkeypatch: pytest.MonkeyPatch):
    runtime.write_runtime({"pid": os.getpid(), "kafka_bootstrap": "127.0.0.1:39092",
                           "services": {"servicing": {"url": "http://127.0.0.1:18502"}}})
    monkeypatch.setenv("LOANFLOW_KAFKA_BOOTSTRAP", "kafka:9092")
    monkeypatch.setenv("LOANFLOW_SERVICING_URL", "http://servicing.internal:8002")
    assert runtime.platform_settings(signing=False).kafka_bootstrap == "kafka:9092"
    assert runtime.service_url("servicing") == "http://servicing.internal:8002"


def test_a_runtime_file_left_by_a_dead_process_is_ignored(home: Path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    runtime.write_runtime({"pid": dead.pid, "services": {"servicing": {"url": "http://127.0.0.1:18502"}}})
    assert runtime.read_runtime() is None
    assert runtime.service_url("servicing") == "http://127.0.0.1:8002"


def test_ports_come_from_the_per_service_variables(home: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("LOANFLOW_COLLECTIONS_PORT", "18203")
    assert runtime.service_port("collections") == 18203
    assert runtime.service_port("origination") == 8001


def test_up_files_servicing_credit_bureau_reports_under_its_state_directory(home: Path,
                                                                          monkeypatch: pytest.MonkeyPatch):
    from loanflow.up import System

    system = System(home, PlatformSettings(home=home))
    assert system.child_env("servicing")["LOANFLOW_SERVICING_CREDIT_BUREAU_DIR"] == str(home / "credit-bureau")
    assert system.child_env("servicing")["LOANFLOW_SERVICING_ORIGINATION_URL"] == system.url("origination")
    monkeypatch.setenv("LOANFLOW_SERVICING_CREDIT_BUREAU_DIR", "/srv/bureau")  # the user's own wins
    assert system.child_env("servicing")["LOANFLOW_SERVICING_CREDIT_BUREAU_DIR"] == "/srv/bureau"


def test_a_crashing_child_backs_off_longer_each_time_up_to_thirty_seconds(tmp_path: Path):
    child = Child("reporting", [sys.executable, "-c", "raise SystemExit(3)"], dict(os.environ),
                  tmp_path / "reporting.log")
    delays = []
    for _ in range(7):
        child.start()
        assert child.proc is not None
        child.proc.wait(30)
        assert child.exited() == 3
        delays.append(child.schedule_restart())
    assert delays == [1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0]


def test_partner_add_reports_an_unreachable_servicing_on_stderr(home: Path, monkeypatch: pytest.MonkeyPatch,
                                                                capsys: pytest.CaptureFixture[str]):
    from loanflow.embedded import free_port

    _running_up(home)
    monkeypatch.setenv("LOANFLOW_SERVICING_URL", f"http://127.0.0.1:{free_port()}")
    assert main(["partner", "add", "acme"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "not reachable" in captured.err


def test_runtime_json_is_written_whole(home: Path):
    path = runtime.write_runtime({"pid": os.getpid(), "services": {}})
    assert json.loads(path.read_text())["pid"] == os.getpid()
    runtime.remove_runtime(owner_pid=os.getpid() + 1)
    assert path.exists(), "only the process that wrote it removes it"
    runtime.remove_runtime(owner_pid=os.getpid())
    assert not path.exists()


def test_bench_options_reach_the_benchmark_harness(capsys: pytest.CaptureFixture[str]):
    assert main(["bench", "--list"]) == 0
    scenarios = capsys.readouterr().out.split()
    assert scenarios, "the harness lists its scenarios"


def test_a_delegated_command_whose_module_is_missing_says_so(capsys: pytest.CaptureFixture[str]):
    from loanflow.ops import delegate

    assert delegate("loanflow.no_such_module", "the thing", []) == 2
    assert "not available" in capsys.readouterr().err


def test_status_without_a_running_system_exits_non_zero(home: Path, monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture[str]):
    from loanflow.embedded import free_port

    for service in ("origination", "servicing", "collections", "reporting"):
        monkeypatch.setenv(f"LOANFLOW_{service.upper()}_PORT", str(free_port()))
    assert main(["status"]) == 1
    assert "unreachable" in capsys.readouterr().out


def test_serve_freezes_the_heap_start_up_built_once_the_app_has_started(home: Path, monkeypatch: pytest.MonkeyPatch):
    """`loanflow serve` moves what start-up built (the app, then its lifespan) out of the cyclic GC's scans."""
    import asyncio
    import gc
    from collections.abc import AsyncIterator
    from contextlib import asynccontextmanager

    import uvicorn
    from fastapi import FastAPI

    from loanflow import serve as serve_module

    built: list[dict[str, object]] = []
    scanned_while_serving: list[bool] = []

    def load_app(service: str) -> FastAPI:
        @asynccontextmanager
        async def lifespan(app: FastAPI) -> AsyncIterator[None]:
            built.append({"service": service, "pool": []})  # what a start-up allocates (tracked by the GC)
            yield

        return FastAPI(lifespan=lifespan)

    def run(self: uvicorn.Server) -> None:  # a tracked object the GC still scans is in gc.get_objects()
        async def serving() -> None:
            async with self.config.app.router.lifespan_context(self.config.app):
                scanned_while_serving.append(any(o is built[0] for o in gc.get_objects()))

        asyncio.run(serving())

    monkeypatch.setattr(serve_module, "load_app", load_app)
    monkeypatch.setattr(uvicorn.Server, "run", run)
    gc.unfreeze()
    try:
        assert serve_module.serve("collections") == 3  # the stand-in server never said it started
        assert gc.is_tracked(built[0]) and scanned_while_serving == [False]
    finally:
        gc.unfreeze()
