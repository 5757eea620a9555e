"""The read side of letters: a case's letters, and one letter's PDF rendered from its recorded event."""

from __future__ import annotations

from typing import Any

import asyncpg

from services.collections.adapters import cases as case_rows
from services.collections.adapters import directory
from services.collections.adapters.letter_pdf import render_pdf
from services.collections.service_layer.context import Collections
from shared.contracts import collections as ev
from shared.contracts import parse_data
from shared.errors import NotFound


async def letters_of(conn: asyncpg.Connection, case_id: str) -> list[dict[str, Any]]:
    """The case's letters in the order they were sent (as its row holds them)."""
    state = await conn.fetchval("SELECT state FROM cases WHERE case_id = $1", case_id)
    if state is None:
        raise NotFound(f"no case {case_id}")
    return list(state.get("letters", []))


async def letter_pdf(ctx: Collections, conn: asyncpg.Connection, case_id: str, letter_id: str) -> bytes:
    """The letter as sent: its `collections.letter.sent` event, the borrower on the loan file, the lender.

    A letter recorded without an address point (the policy's) went to the borrower's home address
    on the loan file (loan.disbursed v2; unknown for loans disbursed before it).
    """
    events = await ctx.store.load(conn, case_rows.stream_id(case_id))
    if not events:
        raise NotFound(f"no case {case_id}")
    sent = next((d for d in (parse_data(e) for e in events if e.type == ev.LetterSent.event_type)
                 if d.letter_id == letter_id), None)
    if sent is None:
        raise NotFound(f"case {case_id} has no letter {letter_id}")
    loan = await directory.get(conn, sent.loan_id)
    borrower = (loan or {}).get("borrower") or {}
    home = (borrower.get("addresses") or {}).get("home")
    if sent.address is None and sent.address_point_id is None and home:
        sent = sent.model_copy(update={"address": home})
    name = borrower.get("name") or "借款人"
    if ctx.ring is not None:  # sealed with the borrower's key at origination: "erased" once it is destroyed
        address, name = await ctx.ring.open(conn, [sent.address, name])
        sent = sent.model_copy(update={"address": address})
    return render_pdf(sent, name=name, lender=ctx.lender)
