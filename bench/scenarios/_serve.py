"""`python -m bench.scenarios._serve SERVICE|workbench|bare PORT`: one app under uvicorn, as `loanflow serve` runs it.

Both apps get the same server settings (those of loanflow/serve.py: one process, uvicorn's
default loop and HTTP parser, logging configured the same way, the start-up heap frozen), so the only difference
measured is the endpoint.
"""

from __future__ import annotations

import importlib
import sys

import uvicorn

from loanflow.serve import settle_heap_after_start
from shared.config import SERVICES, PlatformSettings
from shared.logging import configure_logging


def main(argv: list[str]) -> int:
    which, port = argv[0], int(argv[1])
    platform = PlatformSettings()
    configure_logging(which, platform.log_level, platform.log_json)
    if which in (*SERVICES, "workbench"):
        app = importlib.import_module(f"services.{which}.bootstrap").create_app()
    else:
        from bench.scenarios._bare_app import create_app as create_bare

        app = create_bare()
    settle_heap_after_start(app)
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, timeout_graceful_shutdown=10,
                            lifespan="on")
    server = uvicorn.Server(config)
    server.run()
    return 0 if server.started else 3


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
