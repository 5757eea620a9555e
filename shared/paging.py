"""Cursors of paged lists: the one rule for what `?cursor=` (or `?after=`) may be.

Every list answers `{"items": [...], "next_cursor": "..." | null}` (CONTRACT.md) and takes the
`next_cursor` it gave out back. A cursor is a position or offset that PostgreSQL holds as a
bigint, so anything but ASCII digits up to 2**63 - 1 is a 400 `bad_cursor` (never a 500 from
`int()` on other scripts' digits or from asyncpg on an overflow).
"""

from __future__ import annotations

from shared.errors import BadRequest

BIGINT_MAX = 2**63 - 1
_MAX_DIGITS = len(str(BIGINT_MAX))


def parse_cursor(cursor: str | None) -> int:
    """The position a cursor names (0 when absent); not ASCII digits within bigint → 400 bad_cursor."""
    if not cursor:
        return 0
    if (len(cursor) > _MAX_DIGITS or not (cursor.isascii() and cursor.isdigit())
            or int(cursor) > BIGINT_MAX):
        raise BadRequest("cursor is not one this API gave out", code="bad_cursor",
                         details=[{"cursor": cursor[:40]}])
    return int(cursor)

