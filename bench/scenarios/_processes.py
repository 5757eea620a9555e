"""Service processes for scenarios: an app under uvicorn in a child process, and its environment."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

from loanflow.embedded import free_port, stop_process


class Server:
    """An app under uvicorn in a child process (`bench.scenarios._serve`)."""

    def __init__(self, which: str, env: dict[str, str], log: Path) -> None:
        self.which, self.env, self.log = which, env, log
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"

    def spawn(self) -> None:
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "bench.scenarios._serve", self.which, str(self.port)],
                env=self.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)

    async def start(self, ready_path: str) -> None:
        self.spawn()
        deadline = time.monotonic() + 90
        async with httpx.AsyncClient(base_url=self.url) as client:
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"{self.which} exited with {self.proc.returncode}; see {self.log}")
                try:
                    if (await client.get(ready_path)).status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.2)
        raise TimeoutError(f"{self.which} not ready after 90 s; see {self.log}")

    def stop(self) -> None:
        if hasattr(self, "proc"):
            stop_process(self.proc)


def service_env(pg_url: str, bootstrap: str, prefix: str, secret: str, home: str, start: str) -> dict[str, str]:
    """The environment of `loanflow serve` for a service of this run (its own topic prefix and databases)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOANFLOW_")}
    return env | {"LOANFLOW_DATABASE_URL": pg_url, "LOANFLOW_KAFKA_BOOTSTRAP": bootstrap,
                  "LOANFLOW_TOPIC_PREFIX": prefix, "LOANFLOW_JWT_SECRET": secret, "LOANFLOW_ENV": "test",
                  "LOANFLOW_START_DATE": start, "LOANFLOW_HOME": home}
