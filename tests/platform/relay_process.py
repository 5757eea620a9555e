"""A relay in its own process, for the crash tests: python tests/platform/relay_process.py DSN BOOTSTRAP."""

from __future__ import annotations

import asyncio
import sys

from shared.kafka import make_producer
from shared.relay import OutboxRelay


async def main(dsn: str, bootstrap: str, batch_size: int) -> None:
    relay = OutboxRelay(dsn, lambda: make_producer(bootstrap), batch_size=batch_size)
    await relay.run(asyncio.Event())


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 1000))
