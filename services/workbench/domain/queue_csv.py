"""One's queue as a CSV file (pure, no I/O): the rows of the list as the queue page shows it, masked.

Only the API's masked name and phone are written (`borrower_name_masked`, `borrower_phone_masked`); a value
that still looks like a whole mobile number is masked again. A cell a spreadsheet would read as a formula
(= + - @, a tab or a return first) is written with a leading apostrophe.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Any

from services.workbench.domain.queue import days_since_contact
from shared.pii import mask_phone

# the file's columns in order (the route gives their headers in the person's language, in this order)
COLUMNS = ("case_id", "borrower", "phone", "stage", "dpd", "amount_overdue", "promise_amount", "promise_date",
           "last_contact", "days_since_contact", "next_action", "next_action_due", "tags", "flags")
WHOLE_MOBILE = re.compile(r"1\d{10}")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> str:
    """The cell as text a spreadsheet will not run."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def masked_phone(value: Any) -> str:
    """The API's masked phone; should a whole mobile number ever arrive, masked here."""
    text = str(value or "")
    return mask_phone(text) if WHOLE_MOBILE.search(text) else text


def row_of(case: Mapping[str, Any], today: date, word: Callable[[str, Any], str]) -> list[str]:
    """One case as the file's cells; `word(kind, code)` gives a code's words in the person's language."""
    promise = case.get("open_promise") or {}
    action = case.get("next_action") or {}
    last = str(case.get("last_contact_at") or "")[:10]
    flags = [word("flag", "disputed")] if case.get("disputed") else []
    if case.get("special_status") and case.get("special_status") != "none":
        flags.append(word("special", case["special_status"]))
    if case.get("broken_promises"):
        flags.append(word("broken", case["broken_promises"]))
    since = days_since_contact(case, today)
    return [safe_cell(v) for v in (
        case.get("case_id"), case.get("borrower_name_masked") or "", masked_phone(case.get("borrower_phone_masked")),
        word("stage", case.get("stage")), case.get("days_past_due"), case.get("amount_overdue"),
        promise.get("amount") or "", promise.get("promised_date") or "", last, "" if since is None else since,
        word("channel", action["channel"]) if action.get("channel") else "", action.get("due") or "",
        " ".join(word("behaviour", t) for t in case.get("tags") or []), " ".join(flags))]


def queue_file(cases: Sequence[Mapping[str, Any]], today: date, headers: Sequence[str],
               word: Callable[[str, Any], str]) -> str:
    """The CSV text (with a BOM, so that spreadsheets read the Chinese as UTF-8)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([safe_cell(h) for h in headers])
    for case in cases:
        writer.writerow(row_of(case, today, word))
    return "\ufeff" + out.getvalue()
