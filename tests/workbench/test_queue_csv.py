"""One's queue as a CSV file (pure): masked, safe to open in a spreadsheet, in the list's order."""

from __future__ import annotations

import csv
import io
from datetime import date

from services.workbench.domain.queue_csv import COLUMNS, masked_phone, queue_file, safe_cell

TODAY = date(2026, 12, 7)


def word(kind: str, code: object) -> str:
    return f"{kind}:{code}"


def test_the_file_holds_the_masked_borrower_and_the_lists_order_with_a_bom_for_spreadsheets():
    cases = [
        {"case_id": "c2-E1", "borrower_name_masked": "罗**", "borrower_phone_masked": "138****5678", "stage": "mid",
         "days_past_due": 45, "amount_overdue": "3000.00", "last_contact_at": "2026-12-05T10:00:00+08:00",
         "open_promise": {"amount": "500.00", "promised_date": "2026-12-09"}, "tags": ["evasive"],
         "next_action": {"channel": "sms", "due": "2026-12-08"}, "broken_promises": 2, "disputed": True},
        {"case_id": "c1-E1", "borrower_name_masked": None, "borrower_phone_masked": "13812345678", "stage": "front",
         "days_past_due": 3, "amount_overdue": "120.25", "last_contact_at": None, "tags": []},
    ]
    text = queue_file(cases, TODAY, [f"h-{c}" for c in COLUMNS], word)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    assert rows[0] == [f"h-{c}" for c in COLUMNS]
    assert rows[1] == ["c2-E1", "罗**", "138****5678", "stage:mid", "45", "3000.00", "500.00", "2026-12-09",
                       "2026-12-05", "2", "channel:sms", "2026-12-08", "behaviour:evasive", "flag:disputed broken:2"]
    assert rows[2][:3] == ["c1-E1", "", "138****5678"], "a whole mobile number is never written"
    assert rows[2][8:10] == ["", ""], "never contacted: no date, no days"
    assert "13812345678" not in text


def test_a_cell_a_spreadsheet_would_run_is_written_as_text():
    assert safe_cell("=HYPERLINK(\"http://x\")") == "'=HYPERLINK(\"http://x\")"
    assert [safe_cell(v) for v in ("+1", "-1", "@SUM(A1)", "\tx", "ok", None, 45)] == [
        "'+1", "'-1", "'@SUM(A1)", "'\tx", "ok", "", "45"]
    assert masked_phone("138****5678") == "138****5678" and masked_phone(None) == ""
