"""`loanflow demo`: the stories of DOMAIN.md plus a seeded portfolio, against a running system.

Prints each step and a summary of the key report figures; exits non-zero if any step fails.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from loanflow.client import LoanflowClient, StepFailed, wait_for
from loanflow.stories import (
    first_due,
    legal_then_write_off,
    loan_timeline,
    missed_and_opened,
    promise_broken_then_kept,
    special_paths,
)
from loanflow.stories import reports as read_reports
from loanflow.world import Behaviour, World

STORY_KEYS = ["cured", "legal", "fraud", "deceased"]


@dataclass
class DemoResult:
    world: World
    cured: dict[str, Any]
    legal: dict[str, Any]
    special: dict[str, Any]
    reports: dict[str, Any]
    seconds: float


async def run_demo(client: LoanflowClient, *, portfolio: int = 300, seed: int = 7,
                   progress: Progress | None = None) -> DemoResult:
    """Originate the story loans and the portfolio, then play the stories on one business calendar."""
    started = time.monotonic()
    partner = await client.add_partner(f"demo-bank-{seed}")
    world = World(client, partner, seed=seed)
    await world.originate("cured", amount="30000.00", n=1, region="清河镇")
    await world.originate("legal", amount="120000.00", n=2, region="石桥村")
    await world.originate("fraud", amount="20000.00", n=3, region="东湖镇")
    await world.originate("deceased", amount="15000.00", n=4, region="南岗村")
    rnd = random.Random(seed)
    task = progress.add_task("originating the portfolio", total=portfolio) if progress else None
    sem = asyncio.Semaphore(8)

    async def one(n: int) -> None:
        behaviour: Behaviour = rnd.choices(["on_time", "late", "never"], weights=[70, 20, 10])[0]
        amount = f"{rnd.randrange(20, 600) * 100}.00"
        async with sem:
            await world.originate(f"p{n:04d}", amount=amount, n=100 + n, behaviour=behaviour,
                                  term_months=rnd.choice([6, 12, 24]), rate=rnd.choice(["0.10", "0.12", "0.18"]),
                                  method=rnd.choice(["equal_installment", "equal_principal", "interest_only"]))
        if progress and task is not None:
            progress.advance(task)

    await asyncio.gather(*(one(n) for n in range(portfolio)))
    world.say("originated", f"{len(world.loans)} loans through three reviews each")
    await world.await_schedules()
    d1 = await first_due(world)
    await missed_and_opened(world, STORY_KEYS, d1)
    special = await special_paths(world)
    cured = await promise_broken_then_kept(world, d1)
    legal = await legal_then_write_off(world, d1)
    await wait_for(lambda: _reporting_has_recovery(world), "reporting to hear the last events", 60)
    figures = await read_reports(world)
    return DemoResult(world, cured, legal, special, figures, time.monotonic() - started)


async def _reporting_has_recovery(world: World) -> bool:
    """Reporting heard the recovery after the write-off (the demo's last money event)."""
    items = await loan_timeline(world, "legal")
    return any(e.get("type") == "loan.payment.received" for e in items)


def summary_table(result: DemoResult) -> Table:
    p, d, c = result.reports["portfolio"], result.reports["delinquency"], result.reports["collections"]
    table = Table(title=f"loanflow demo — reports as of {result.reports['as_of']}")
    table.add_column("figure")
    table.add_column("value", justify="right")
    rows = [
        ("loans disbursed", f"{_pick(p, 'loans_disbursed', 'count')} / {_pick(p, 'loans_disbursed', 'amount')}"),
        ("active loans", _pick(p, "active_loans")),
        ("outstanding principal", _pick(p, "outstanding_principal")),
        ("interest received", _pick(p, "interest_received")),
        ("collection rate of matured installments", _pick(p, "matured", "collection_rate")),
        ("NPL balance / ratio", f"{_pick(d, 'npl', 'balance')} / {_pick(d, 'npl', 'ratio')}"),
        ("recovered (collections)", _pick(c, "recovered")),
        ("promise-kept rate", _pick(c, "promise_kept_rate")),
        ("partner payments made", str(result.world.payments)),
        ("demo time", f"{result.seconds:.1f} s"),
    ]
    for name, value in rows:
        table.add_row(name, str(value))
    return table


def _pick(report: dict[str, Any], *path: str) -> Any:
    value: Any = report
    for key in path:
        if isinstance(value, dict) and key in value:
            value = value[key]
        else:
            return "—"
    return value


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="loanflow demo", description=__doc__)
    parser.add_argument("--portfolio", type=int, default=300, help="seeded loans besides the stories")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    from loanflow.runtime import platform_settings, service_url

    console = Console()
    urls = {s: service_url(s) for s in ("origination", "servicing", "collections", "reporting")}
    client = LoanflowClient(urls, platform_settings().signing_key())

    async def go() -> DemoResult:
        try:
            with Progress(console=console, transient=True) as progress:
                return await run_demo(client, portfolio=args.portfolio, seed=args.seed, progress=progress)
        finally:
            await client.close()

    try:
        result = asyncio.run(go())
    except (StepFailed, AssertionError) as exc:
        console.print(f"[red]demo failed:[/red] {exc}")
        return 1
    for step, detail in result.world.log:
        console.print(f"[green]✔[/green] {step}: {detail}")
    console.print(summary_table(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
