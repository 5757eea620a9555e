"""Erasure in reporting (issue 16): sealed personal fields stay sealed in the read models and are opened, then
masked, when shown; after `loan.borrower.erased` every report, timeline and CSV shows "erased", and a rebuild
from the topics still works and still shows "erased"."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from loanflow.testing import bearer, eventually, running
from services.origination.adapters.data_keys import seal_data
from services.reporting.bootstrap import create_app
from services.reporting.config import ReportingSettings
from services.reporting.rebuild import rebuild
from shared.contracts import make_event
from shared.contracts import origination as og
from shared.datakeys import ERASED, DataKey
from shared.secretbox import SecretBox
from tests.reporting.helpers import READER, handled, publish

pytestmark = pytest.mark.integration

PLAIN = ("张伟", "13900000000", "王芳", "13800000001", "漕溪北路", "110101199001011234")


def _sealed_loan(key: DataKey):
    contacts = [og.ContactPerson(relation="family", name="王芳", phone="13800000001"),
                og.ContactPerson(relation="other", name="赵强", phone="13800000002"),
                og.ContactPerson(relation="work", name="钱经理", phone="13800000003")]
    applicant = og.Applicant(name="张伟", id_number="110101199001011234", phone="13900000000",
                             monthly_income=Decimal("12000.00"), region="上海市",
                             addresses=og.Addresses(home="上海市徐汇区漕溪北路88号"))
    submitted = og.ApplicationSubmitted(
        application_id="A-R1", applicant=applicant, product="credit", amount=Decimal("12000.00"), term_months=12,
        annual_rate=Decimal("0.12"), repayment_method="equal_installment", contacts=contacts,
        credit_report=og.CreditReport(max_overdue_months=0), submitted_by="cm")
    disbursed = og.LoanDisbursed(
        loan_id="R1", application_id="A-R1",
        borrower=og.Borrower(name="张伟", id_number_masked="110101********1234", phone="13900000000",
                             region="上海市", addresses=og.Addresses(home="上海市徐汇区漕溪北路88号")),
        principal=Decimal("12000.00"), annual_rate=Decimal("0.12"), term_months=12,
        repayment_method="equal_installment", disbursement_date=date(2026, 3, 1), due_day=20, product="credit",
        contacts=contacts, disbursed_by="cm")
    out = []
    for data, subject in ((submitted, "A-R1"), (disbursed, "R1")):
        event = make_event("origination", data, subject=subject, businessdate=date(2026, 3, 1))
        out.append(("origination", event.model_copy(update={"data": seal_data(event.type, event.data, key)})))
    return out


async def test_reports_show_a_sealed_borrower_masked_then_erased_also_after_a_rebuild(platform, _drop_platform_dbs):
    box = SecretBox(platform.secrets_key_material())
    key = DataKey.generate()

    async def origination(ids: list[str]) -> dict[str, str | None]:  # what GET /v1/data-keys answers
        return {key.key_id: key.to_sealed(box)} if key.key_id in ids else {}

    app = create_app(ReportingSettings(), platform)
    app.state.ring.fetch = origination
    events = _sealed_loan(key)
    async with running(app) as client:
        headers = bearer(app, *READER)
        await publish(platform, events)
        await eventually(lambda: _handled(app, 2), timeout=60)
        async with app.state.kernel.db.acquire() as conn:
            stored = await conn.fetchval("SELECT data::text FROM rpt_events WHERE type = 'loan.disbursed'")
        assert stored and "pii:v1:" in stored and not any(p in stored for p in PLAIN)

        book = (await client.get("/v1/reports/loan-book?as_of=2026-03-01", headers=headers)).json()
        assert book["items"][0]["borrower"] == "张* 110101********1234"
        timeline = (await client.get("/v1/loans/R1/timeline", headers=headers)).json()
        borrower = next(i for i in timeline["items"] if i["type"] == "loan.disbursed")["data"]["borrower"]
        assert (borrower["name"], borrower["phone"], borrower["addresses"]["home"]) == (
            "张*", "139****0000", "上海市徐汇区****")
        portfolio = (await client.get("/v1/reports/portfolio?as_of=2026-03-01", headers=headers)).json()
        assert portfolio["concentration"]["borrowers"][0]["borrower"] == "张* 110101********1234"

        erased = make_event("origination", og.BorrowerErased(borrower_id=key.key_id, erased_by="root",
                                                             erased_on=date(2031, 3, 1), application_ids=["A-R1"],
                                                             loan_ids=["R1"]),
                            subject=key.key_id, businessdate=date(2031, 3, 1))
        await publish(platform, [("origination", erased)])
        await eventually(lambda: _handled(app, 3), timeout=60)

        async def everything() -> str:
            texts = [(await client.get(url, headers=headers)).text for url in (
                "/v1/reports/loan-book?as_of=2026-03-01", "/v1/reports/loan-book?as_of=2026-03-01&format=csv",
                "/v1/loans/R1/timeline", "/v1/loans/R1/timeline?format=csv",
                "/v1/reports/portfolio?as_of=2026-03-01", "/v1/reports/portfolio?as_of=2026-03-01&format=csv")]
            return "\n".join(texts)

        async def shows_erased() -> None:
            book = (await client.get("/v1/reports/loan-book?as_of=2026-03-01", headers=headers)).json()
            assert book["items"][0]["borrower"] == ERASED
            timeline = (await client.get("/v1/loans/R1/timeline", headers=headers)).json()
            data = {i["type"]: i["data"] for i in timeline["items"]}
            assert data["loan.disbursed"]["borrower"]["name"] == ERASED
            assert data["loan.disbursed"]["borrower"]["addresses"]["home"] == ERASED
            assert data["loan.application.submitted"]["applicant"]["id_number"] == ERASED
            assert {c["phone"] for c in data["loan.disbursed"]["contacts"]} == {ERASED}
            assert data["loan.disbursed"]["principal"] == "12000.00"  # the rest of the story stays
            text = await everything()
            assert not any(p in text for p in PLAIN) and "张*" not in text

        await shows_erased()
        async with app.state.kernel.db.acquire() as conn:  # a reporting database whose key table is new
            await conn.execute("DELETE FROM data_keys")
        result = await rebuild(platform, ReportingSettings(), source="topics")
        assert result["events_applied"] == 3
        assert result["erasures_recorded"] == 1  # the replayed loan.borrower.erased: the tombstone again
        asked: list[list[str]] = []

        async def owner_not_asked(ids: list[str]) -> dict[str, str | None]:
            asked.append(ids)
            return {key.key_id: key.to_sealed(box)}  # were it asked, it would hand the key out

        app.state.ring.fetch = owner_not_asked
        await shows_erased()
        assert asked == []
        async with app.state.kernel.db.acquire() as conn:
            row = await conn.fetchrow("SELECT sealed, erased_at FROM data_keys WHERE key_id = $1", key.key_id)
        assert row["sealed"] is None and row["erased_at"] is not None
        again = await rebuild(platform, ReportingSettings(), source="topics")
        assert again["erasures_recorded"] == 0  # idempotent: the tombstone is kept as it is


async def _handled(app, count: int) -> bool:
    return await handled(app) >= count


async def test_an_unmasked_export_is_refused_by_default_and_audited_when_configured(platform, _drop_platform_dbs):
    box = SecretBox(platform.secrets_key_material())
    key = DataKey.generate()

    async def origination(ids: list[str]) -> dict[str, str | None]:
        return {key.key_id: key.to_sealed(box)} if key.key_id in ids else {}

    app = create_app(ReportingSettings(), platform)
    app.state.ring.fetch = origination
    async with running(app) as client:
        headers = bearer(app, *READER)
        await publish(platform, _sealed_loan(key))
        await eventually(lambda: _handled(app, 2), timeout=60)
        url = "/v1/reports/loan-book?as_of=2026-03-01&format=csv&reveal=true&reason=court%20order%2042"
        refused = await client.get(url, headers=headers)
        assert refused.status_code == 403 and refused.json()["error"]["code"] == "unmasked_export_not_allowed"
        post = "/v1/reports/loan-book/reveal?as_of=2026-03-01&format=csv"  # the reason in the body, not the URL
        posted = await client.post(post, json={"reason": "court order 43"}, headers=headers)
        assert posted.status_code == 403 and posted.json()["error"]["code"] == "unmasked_export_not_allowed"
        assert "张伟" not in (await client.get("/v1/reports/loan-book?as_of=2026-03-01&format=csv",
                                             headers=headers)).text  # none by default

        app.state.reporting_settings = ReportingSettings(unmasked_exports=True)
        no_reason = await client.get("/v1/reports/loan-book?as_of=2026-03-01&format=csv&reveal=true", headers=headers)
        assert no_reason.status_code == 422 and no_reason.json()["error"]["code"] == "reason_required"
        exported = await client.get(url, headers=headers)
        assert exported.status_code == 200 and "张伟 110101********1234" in exported.text
        audit = await client.get("/v1/audit/access", headers=bearer(app, "aud", "auditor"))
        assert audit.status_code == 200, audit.text
        (entry,) = audit.json()["items"]
        assert (entry["actor"], entry["subject_type"], entry["subject_id"], entry["reason"]) == (
            "reporter", "export", "loan-book:2026-03-01", "court order 42")
        blank = await client.post(post, json={"reason": " "}, headers=headers)
        assert blank.status_code == 422 and blank.json()["error"]["code"] == "reason_required"
        by_post = await client.post(post, json={"reason": "court order 43"}, headers=headers)
        assert by_post.status_code == 200 and "张伟 110101********1234" in by_post.text
        assert by_post.text == exported.text, "the same export"
        newest = (await client.get("/v1/audit/access?order=newest", headers=bearer(app, "aud", "auditor"))).json()
        assert [i["reason"] for i in newest["items"]] == ["court order 43", "court order 42"]
        assert (await client.post(post, json={"reason": "x"}, headers=bearer(app, "c", "collector"))).status_code == 403
        assert (await client.get("/v1/audit/access", headers=headers)).status_code == 403
