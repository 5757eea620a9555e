"""Commands and the bus that hands each to its handler: the one shape of every service layer.

A service's `domain/commands.py` declares commands as frozen dataclasses subclassing
`Command[R]` (imperative names: `SubmitApplication`); its `service_layer/handlers.py` holds
one async handler per command, `async def submit_application(cmd, deps) -> R`, listed in
`COMMAND_HANDLERS`; `bootstrap.py` builds the `CommandBus` with the service's dependencies
(kernel, settings, ports). Entrypoints only build commands and `await bus.handle(cmd)`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Generic, TypeVar, cast

R = TypeVar("R")
D = TypeVar("D")


class Command(Generic[R]):
    """A request to change state; `R` is what its handler answers."""


Handler = Callable[[Any, D], Awaitable[Any]]


class CommandBus(Generic[D]):
    """Dispatches a command to the one handler registered for its type, with the service's dependencies."""

    def __init__(self, handlers: Mapping[type[Command[Any]], Handler[D]], deps: D) -> None:
        self.handlers = dict(handlers)
        self.deps = deps

    async def handle(self, command: Command[R]) -> R:
        """Run the command's handler; its answer is typed by the command."""
        handler = self.handlers.get(type(command))
        if handler is None:
            raise LookupError(f"no handler for {type(command).__name__}")
        return cast(R, await handler(command, self.deps))
