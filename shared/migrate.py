"""Alembic per service: each service's `migrations/` folder, run programmatically.

Each service's `migrations/env.py` is two lines calling `run_alembic_env()`. Replicas
starting together serialise on an advisory lock, so migrations run once.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from sqlalchemy import pool, text
from sqlalchemy.ext.asyncio import create_async_engine

MIGRATION_LOCK = 0x4D494752  # "MIGR"


def alembic_config(migrations_dir: Path, dsn: str) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir))
    cfg.set_main_option("sqlalchemy.url", _async_url(dsn).replace("%", "%%"))
    return cfg


def _async_url(dsn: str) -> str:
    if dsn.startswith("postgresql://"):
        return "postgresql+asyncpg://" + dsn[len("postgresql://"):]
    if dsn.startswith("postgres://"):
        return "postgresql+asyncpg://" + dsn[len("postgres://"):]
    return dsn


def upgrade_sync(migrations_dir: Path, dsn: str, revision: str = "head") -> None:
    from alembic import command

    command.upgrade(alembic_config(migrations_dir, dsn), revision)


async def upgrade(migrations_dir: Path, dsn: str, revision: str = "head") -> None:
    """Bring the service database to `revision` (runs Alembic in a worker thread)."""
    await asyncio.to_thread(upgrade_sync, migrations_dir, dsn, revision)


def run_alembic_env() -> None:
    """Body of every service's migrations/env.py (online mode, asyncpg)."""
    from alembic import context

    url = context.config.get_main_option("sqlalchemy.url")
    assert url

    def do_run(connection: Any) -> None:
        context.configure(connection=connection, target_metadata=None, transaction_per_migration=False)
        with context.begin_transaction():
            connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": MIGRATION_LOCK})
            context.run_migrations()

    async def go() -> None:
        engine = create_async_engine(url, poolclass=pool.NullPool)
        async with engine.connect() as connection:
            await connection.run_sync(do_run)
        await engine.dispose()

    asyncio.run(go())


def split_statements(script: str) -> list[str]:
    """Statements of a SQL script: `--` comments dropped, split on `;` outside quotes and $$ bodies."""
    statements: list[str] = []
    current: list[str] = []
    i, quote = 0, None
    while i < len(script):
        ch = script[i]
        if quote is None and script.startswith("--", i):
            end = script.find("\n", i)
            i = len(script) if end < 0 else end
            continue
        if quote is None and script.startswith("$$", i):
            quote, current, i = "$$", [*current, "$$"], i + 2
            continue
        if quote == "$$" and script.startswith("$$", i):
            quote, current, i = None, [*current, "$$"], i + 2
            continue
        if ch == "'" and quote in (None, "'"):
            quote = None if quote == "'" else "'"
        if ch == ";" and quote is None:
            statements.append("".join(current))
            current = []
        else:
            current.append(ch)
        i += 1
    statements.append("".join(current))
    return [s.strip() for s in statements if s.strip()]


def execute_script(op: Any, script: str) -> None:
    """Run a multi-statement SQL script from an Alembic revision, one statement at a time."""
    for statement in split_statements(script):
        op.execute(statement)
