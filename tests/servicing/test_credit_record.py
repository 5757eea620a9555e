"""Negative credit records: a broken promise is reported to the credit bureau (one file line, once), and the
record is corrected when the loan is paid off (DOMAIN.md §2)."""

from __future__ import annotations

import logging
import uuid
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from services.servicing.adapters.credit_bureau import FileCreditBureau
from services.servicing.domain.credit_record import BureauLine, Subject, corrections, parse, record_id_for
from services.servicing.domain.credit_record import report_broken_promise as report
from services.servicing.domain.loan import Loan
from shared.contracts import CloudEvent, make_event
from shared.contracts.collections import PromiseBroken
from shared.contracts.servicing import LoanPaidOff
from tests.origination.factory import application
from tests.servicing.conftest import KnownSubjects, lender, servicing_app
from tests.servicing.test_collections_reactions import deliver

SUBJECT = Subject("app-1", "王小明", "110101********1234")


def _line(**kw: object) -> BureauLine:
    fields: dict[str, object] = dict(
        record_id="r-1",
        action="NEW",
        on=date(2026, 4, 21),
        loan_id="L1",
        subject=SUBJECT,
        reason="BROKEN_PROMISE",
        amount=Decimal("535.5"),
        promised_date=date(2026, 4, 20),
    )
    return BureauLine(**{**fields, **kw})  # type: ignore[arg-type]


# ---- the format, pure -------------------------------------------------------------------------------------------


def test_a_record_is_one_line_of_fixed_fields():
    assert _line().render() == (
        "CR1|r-1|NEW|20260421|L1|app-1|王小明|110101********1234|BROKEN_PROMISE|535.50|20260420|"
    )
    correction = _line(
        record_id="r-2", action="COR", reason="PAID_OFF", amount=Decimal("0"), promised_date=None, corrects="r-1"
    )
    assert parse(correction.render()) == {
        "format": "CR1",
        "record_id": "r-2",
        "action": "COR",
        "date": "20260421",
        "loan_id": "L1",
        "application_id": "app-1",
        "name": "王小明",
        "id_number": "110101********1234",
        "reason": "PAID_OFF",
        "amount": "0.00",
        "promised_date": "",
        "corrects": "r-1",
    }


def test_a_separator_or_line_break_in_a_name_cannot_break_the_line():
    line = _line(subject=Subject("app-1", "王|小\n明", "")).render()
    assert "\n" not in line and parse(line)["name"] == "王 小 明"


def test_the_same_cause_always_gives_the_same_record():
    assert record_id_for("ev-1", "broken_promise") == record_id_for("ev-1", "broken_promise")
    assert record_id_for("ev-1", "broken_promise") != record_id_for("ev-2", "broken_promise")


def _broken(loan_id: str = "L1", paid: str = "0.00") -> PromiseBroken:
    return PromiseBroken(
        case_id="c1",
        loan_id=loan_id,
        promise_id="p1",
        amount=Decimal("535.58"),
        paid_amount=Decimal(paid),
        promised_date=date(2026, 4, 20),
        broken_count=1,
    )


def test_a_record_on_a_loan_on_book_only_and_corrections_only_on_payoff():
    loan = Loan("L1")
    assert report(loan, _broken(), cause_id="ev-1", on=date(2026, 4, 21)) == []  # unknown loan
    loan.installments = [object()]  # type: ignore[list-item]
    [record] = report(loan, _broken(paid="35.58"), cause_id="ev-1", on=date(2026, 4, 21))
    assert record.amount == Decimal("500.00")  # what was promised and not paid
    loan.apply(record, date(2026, 4, 21))
    assert report(loan, _broken(), cause_id="ev-1", on=date(2026, 4, 21)) == []  # the same cause: once
    assert corrections(loan, [], date(2026, 5, 1)) == []
    paid_off = LoanPaidOff(loan_id="L1", paid_off_on=date(2026, 5, 1), total_paid=Decimal("1.00"))
    [fix] = corrections(loan, [paid_off], date(2026, 5, 1))
    assert (fix.corrects, fix.reason, fix.settled_on) == (record.record_id, "paid_off", date(2026, 5, 1))
    loan.apply(fix, date(2026, 5, 1))
    assert loan.open_credit_records == [] and corrections(loan, [paid_off], date(2026, 5, 1)) == []
    loan.closed = "written_off"
    assert report(loan, _broken(), cause_id="ev-9", on=date(2026, 5, 2)) == []


# ---- the file adapter -------------------------------------------------------------------------------------------


def test_the_file_adapter_writes_a_record_once_across_processes_and_logs_no_personal_data(tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    subject = Subject("app-1", "王小明", "110101199003071234")
    first, second = FileCreditBureau(tmp_path), FileCreditBureau(tmp_path)
    assert first.submit([_line(subject=subject)]) == ["r-1"]
    assert second.submit([_line(subject=subject), _line(record_id="r-2")]) == ["r-2"]  # another process
    assert first.submit([_line(record_id="r-2")]) == []
    [path] = list(tmp_path.glob("credit-records-*.txt"))
    assert path.name == "credit-records-20260421.txt"
    assert [parse(x)["record_id"] for x in path.read_text(encoding="utf-8").splitlines()] == ["r-1", "r-2"]
    assert "110101199003071234" in path.read_text(encoding="utf-8")  # the bureau gets the ID as given
    assert "r-1" in caplog.text and "L1" in caplog.text
    assert "110101" not in caplog.text and "王小明" not in caplog.text


def test_a_line_torn_by_a_crash_mid_write_is_cut_off_before_the_next_is_appended(tmp_path):
    FileCreditBureau(tmp_path).submit([_line()])
    path = tmp_path / "credit-records-20260421.txt"
    with open(path, "ab") as f:
        f.write(_line(record_id="r-2").render().encode()[:20])  # a writer died here: no newline, never acked
    assert FileCreditBureau(tmp_path).submit([_line(record_id="r-2")]) == ["r-2"]
    assert [parse(x)["record_id"] for x in path.read_text(encoding="utf-8").splitlines()] == ["r-1", "r-2"]


def test_a_file_taken_away_by_the_bureau_gateway_is_read_anew_and_no_record_is_written_twice(tmp_path):
    bureau = FileCreditBureau(tmp_path)
    assert bureau.submit([_line(), _line(record_id="r-2")]) == ["r-1", "r-2"]
    path = tmp_path / "credit-records-20260421.txt"
    path.write_text(_line(record_id="r-3").render() + "\n", encoding="utf-8")  # replaced, shorter
    assert bureau.submit([_line(), _line(record_id="r-3"), _line(record_id="r-4")]) == ["r-4"]
    assert [parse(x)["record_id"] for x in path.read_text(encoding="utf-8").splitlines()] == ["r-3", "r-4"]


def test_a_directory_that_cannot_be_written_is_named_and_raises_only_when_submitting(tmp_path):
    (tmp_path / "blocked").write_text("a file where the directory should be")
    bureau = FileCreditBureau(tmp_path / "blocked" / "bureau")  # constructing it never fails the service
    assert bureau.problem() == "cannot be created"
    with pytest.raises(OSError):
        bureau.submit([_line()])
    assert FileCreditBureau(tmp_path / "blocked").problem() == "not a directory"
    assert FileCreditBureau(tmp_path).problem() is None
    assert FileCreditBureau(tmp_path / "new" / "bureau").problem() is None  # made by the first line


# ---- servicing, on its database ---------------------------------------------------------------------------------


def _promise_broken(loan_id: str, on: date) -> CloudEvent:
    return make_event(
        "collections",
        PromiseBroken(
            case_id="case-1",
            loan_id=loan_id,
            promise_id=f"prm-{uuid.uuid4().hex[:6]}",
            amount=Decimal("535.58"),
            paid_amount=Decimal("0.00"),
            promised_date=date(2026, 4, 20),
            broken_count=1,
            collector="dora",
        ),
        subject=loan_id,
        businessdate=on,
    )


def _lines(directory: Path) -> list[dict[str, str]]:
    return [
        parse(x)
        for p in sorted(directory.glob("credit-records-*.txt"))
        for x in p.read_text(encoding="utf-8").splitlines()
    ]


async def test_a_broken_promise_files_one_record_in_the_borrowers_full_name_and_id_and_paying_off_corrects_it(
    platform, _drop_platform_dbs, tmp_path, caplog
):
    caplog.set_level(logging.DEBUG)
    body = application()
    name, id_number = body["applicant"]["name"], body["applicant"]["id_number"]
    async with lender(platform, credit_bureau_dir=tmp_path) as bank:
        servicing = bank.servicing
        loan_id, borrower_id, application_id = await bank.loan(body)
        await servicing.advance(date(2026, 4, 21))
        broken = _promise_broken(loan_id, date(2026, 4, 21))
        await deliver(servicing, broken)
        assert _lines(tmp_path) == []  # recorded and queued; submitted after the commit
        assert (await servicing.drain()).sent == 1
        [reported] = [e for e in await servicing.events(loan_id) if e["type"] == "loan.credit_record.reported"]
        record_id = reported["data"]["record_id"]
        assert reported["data"]["amount"] == "535.58" and reported["data"]["caused_by"] == broken.id
        [line] = _lines(tmp_path)
        assert (
            line["record_id"],
            line["action"],
            line["date"],
            line["loan_id"],
            line["application_id"],
            line["name"],
            line["id_number"],
            line["reason"],
            line["amount"],
            line["promised_date"],
        ) == (
            record_id,
            "NEW",
            "20260421",
            loan_id,
            application_id,
            name,  # in full, asked of origination when the line is written
            id_number,
            "BROKEN_PROMISE",
            "535.58",
            "20260420",
        )

        events_before = await servicing.events(loan_id)
        await deliver(servicing, broken)  # redelivered (the inbox would drop it; the loan does too)
        assert (await servicing.drain()).sent == 0 and len(_lines(tmp_path)) == 1
        assert [e["type"] for e in await servicing.events(loan_id)] == [e["type"] for e in events_before]

        partner = await servicing.partner()
        r = await servicing.pay(partner, loan_id, (await servicing.loan(loan_id))["payoff_amount"])
        assert r.status_code == 201 and r.json()["status"] == "paid_off", r.text
        [corrected] = [e for e in await servicing.events(loan_id) if e["type"] == "loan.credit_record.corrected"]
        assert (corrected["data"]["corrects"], corrected["data"]["reason"]) == (record_id, "paid_off")
        assert (await servicing.drain()).sent == 1
        new, cor = _lines(tmp_path)
        assert (cor["action"], cor["corrects"], cor["reason"], cor["amount"], cor["date"]) == (
            "COR",
            record_id,
            "PAID_OFF",
            "0.00",
            "20260421",
        )
        assert cor["record_id"] == corrected["data"]["record_id"] != new["record_id"]
        assert (cor["name"], cor["id_number"]) == (name, id_number)

        # each hand-over of the identity is in origination's access audit, actor servicing, reason the record
        r = await bank.client.get("/v1/audit/access", params={"subject_id": borrower_id},
                                  headers=bank.as_("audrey", "auditor"))
        assert [(e["actor"], e["roles"], e["reason"]) for e in r.json()["items"]] == [
            ("servicing-bureau", ["service"], f"credit_bureau:{record_id}"),
            ("servicing-bureau", ["service"], f"credit_bureau:{cor['record_id']}"),
        ]
        # ... and nowhere in servicing: not in a table, not in a log line
        assert {"credit_subjects", "bureau_submissions", "events"} <= set(await _rows_holding(servicing, loan_id))
        assert await _rows_holding(servicing, id_number) == [] and await _rows_holding(servicing, name) == []
        assert id_number not in caplog.text and name not in caplog.text


async def _rows_holding(servicing, text: str) -> list[str]:
    """The tables of servicing's database with a row whose text holds `text`."""
    async with servicing.app.state.kernel.db.acquire() as conn:
        tables = [r["t"] for r in await conn.fetch(
            "SELECT quote_ident(tablename) AS t FROM pg_tables WHERE schemaname = 'public'")]
        return [t for t in tables if await conn.fetchval(
            f"SELECT count(*) FROM {t} WHERE {t}::text LIKE '%' || $1 || '%'", text)]


async def test_a_line_the_bureau_already_holds_is_not_written_again_and_the_submission_is_sent(
    platform, _drop_platform_dbs, tmp_path
):
    """A submitter that wrote the line and died before marking it sent: the retry hands the same record id to
    the port, which writes nothing, and the submission is marked sent."""
    async with servicing_app(platform, credit_bureau_dir=tmp_path) as servicing:
        loan_id = await servicing.disburse()
        await servicing.advance(date(2026, 4, 21))
        broken = _promise_broken(loan_id, date(2026, 4, 21))
        record_id = record_id_for(broken.id, "broken_promise")
        servicing.app.state.bureau_submitter.identities = KnownSubjects()
        FileCreditBureau(tmp_path).submit([_line(record_id=record_id, loan_id=loan_id)])  # the lost attempt
        await deliver(servicing, broken)
        assert (await servicing.drain()).sent == 1
        assert [x["record_id"] for x in _lines(tmp_path)] == [record_id]
        assert (await servicing.submission(record_id))["status"] == "sent"


async def test_with_reporting_off_a_broken_promise_only_costs_the_fee(servicing):
    loan_id = await servicing.disburse()
    await servicing.advance(date(2026, 4, 21))
    await deliver(servicing, _promise_broken(loan_id, date(2026, 4, 21)))
    types = [e["type"] for e in await servicing.events(loan_id)]
    assert "loan.charge.applied" in types and "loan.credit_record.reported" not in types
