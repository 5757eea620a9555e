"""`loanflow up` as a user starts it, one per test module that asks for it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from loanflow.testing import Up, start_up, stop_up


@pytest.fixture(scope="module")
def up() -> Iterator[Up]:
    """One `loanflow up` for the tests of a module."""
    system = start_up()
    try:
        yield system
    finally:
        stop_up(system)


