"""`loanflow business-date advance --to D` against servicing served over HTTP (uvicorn, real PostgreSQL):
a long advance is a job the command follows with a progress bar, then it prints the days by month."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

import uvicorn

from loanflow.admin import cmd_business_date_advance
from loanflow.embedded import free_port
from loanflow.testing import eventually
from services.servicing.bootstrap import create_app

from .conftest import START, settings


async def test_a_long_advance_is_followed_to_its_end_and_summed_by_month(platform, _drop_platform_dbs, monkeypatch,
                                                                        capsys):
    local = platform.model_copy(update={"run_background": False, "start_date": START.isoformat()})
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(settings(advance_wait_seconds=0), local), host="127.0.0.1",
                                           port=port, log_config=None, lifespan="on"))
    serving = asyncio.create_task(server.serve())
    monkeypatch.setenv("LOANFLOW_SERVICING_URL", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("LOANFLOW_JWT_SECRET", platform.signing_key())
    try:
        await eventually(lambda: server.started)
        to = START + timedelta(days=120)  # 29 June 2026
        code = await asyncio.to_thread(cmd_business_date_advance, to)
        out, errors = capsys.readouterr()
        assert code == 0, errors
        assert "day-close to 2026-06-29" in errors  # the progress bar
        for month in ("2026-03", "2026-04", "2026-05", "2026-06"):
            assert month in out
        assert "120 days" in out
        again = await asyncio.to_thread(cmd_business_date_advance, to)
        assert again == 0 and "nothing to do" in capsys.readouterr().err
        too_far = await asyncio.to_thread(cmd_business_date_advance, date(2040, 1, 1))
        assert too_far == 1 and "advance_too_far" in capsys.readouterr().err
    finally:
        server.should_exit = True
        await serving
