"""The demo world: loans originated through the real APIs, a shared business calendar, and a
portfolio of borrowers whose behaviour (pays on time, pays late, never pays) plays out as the
business date advances. Stories (loanflow/stories.py) act on it between advances."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Literal

from loanflow.client import LoanflowClient, Partner, StepFailed, id_number, wait_for

Behaviour = Literal["on_time", "late", "never"]

CLIENT_MANAGER = ("cm-li", "client_manager")
TEAM_MANAGER = ("tm-wang", "team_manager")
CREDIT_MANAGER = ("cr-zhao", "credit_manager")
OPS = ("ops", "admin")
SUPERVISOR = ("sup-chen", "collections_supervisor")
LEGAL = ("legal-1", "legal")
ANALYST = ("analyst", "reporting")

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ["芳", "伟", "娜", "敏", "静", "强", "磊", "军", "洋", "勇", "艳", "杰", "涛", "明", "超"]
REGIONS = ["清河镇", "石桥村", "东湖镇", "南岗村", "柳树屯"]
COUNTY = "河北省保定市清苑区"  # where the demo's villages are
STREETS = ["建设路", "人民路", "中心街", "东大街", "新华路", "幸福路"]
# the demo's employers: a borrower works at one of them (name, address in the county, the office's mobile)
EMPLOYERS = [("清河镇农机合作社", "清河镇工业路18号", "13503121001"),
             ("东湖镇供销社", "东湖镇人民路66号", "13503122002"),
             ("石桥村蔬菜种植专业合作社", "石桥村村委会东侧", "13503123003"),
             ("保定华联超市清苑店", "清苑区建设北路120号", "13503124004"),
             ("柳树屯红星砖厂", "柳树屯北口", "13503125005")]


@dataclass
class Loan:
    name: str
    application_id: str
    loan_id: str
    amount: Decimal
    behaviour: Behaviour
    schedule: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class World:
    client: LoanflowClient
    partner: Partner
    seed: int = 7
    loans: dict[str, Loan] = field(default_factory=dict)
    business_date: date | None = None
    log: list[tuple[str, str]] = field(default_factory=list)
    payments: int = 0

    def say(self, step: str, detail: str = "") -> None:
        self.log.append((step, detail))

    async def today(self) -> date:
        answer = await self.client.get("servicing", "/v1/business-date", OPS)
        self.business_date = date.fromisoformat(answer["business_date"])
        return self.business_date

    def applicant(self, n: int, region: str | None = None) -> dict[str, Any]:
        rnd = random.Random(self.seed * 10_000 + n)
        name = rnd.choice(SURNAMES) + rnd.choice(GIVEN) + rnd.choice(GIVEN)
        born = date(1970, 1, 1) + timedelta(days=rnd.randrange(0, 11_000))
        phone = f"13{rnd.randrange(100_000_000, 999_999_999)}"
        region = region or rnd.choice(REGIONS)
        employer, employer_address, switchboard = rnd.choice(EMPLOYERS)
        home = f"{COUNTY}{region}{rnd.choice(STREETS)}{rnd.randrange(1, 200)}号"
        work = f"{COUNTY}{employer_address}" if not employer_address.startswith("清苑区") else \
            f"河北省保定市{employer_address}"
        return {"name": name, "id_number": id_number("110105", born.strftime("%Y%m%d"), 100 + n % 900),
                "phone": phone, "monthly_income": "12000.00", "region": region,
                "addresses": {"home": home, "work": work},
                "employer": {"name": employer, "address": work, "phone": switchboard}}

    async def originate(self, key: str, *, amount: str, n: int, behaviour: Behaviour = "never",
                        term_months: int = 12, rate: str = "0.12", method: str = "equal_installment",
                        region: str | None = None) -> Loan:
        """Application -> three reviews (three contacts verified) -> disbursement -> schedule in servicing."""
        c = self.client
        body = {
            "applicant": self.applicant(n, region), "product": "credit", "amount": amount,
            "term_months": term_months, "annual_rate": rate, "repayment_method": method,
            "contacts": [{"relation": "family", "name": "家属" + str(n), "phone": f"139{n:08d}"},
                         {"relation": "other", "name": "朋友" + str(n), "phone": f"137{n:08d}"},
                         {"relation": "work", "name": "同事" + str(n), "phone": f"136{n:08d}"}],
            "credit_report": {"max_overdue_months": 0},
        }
        app_id, loan_id = await approve_and_disburse(c, body, key)
        loan = Loan(key, app_id, loan_id, Decimal(amount), behaviour)
        self.loans[key] = loan
        return loan

    async def await_schedules(self, timeout: float = 60.0) -> None:
        """Servicing hears every loan.disbursed through Kafka and builds the schedule."""
        for loan in self.loans.values():
            if loan.schedule:
                continue
            answer = await wait_for(lambda lid=loan.loan_id: self._schedule(lid), f"schedule of {loan.name}",
                                    timeout)
            loan.schedule = answer["installments"]

    async def _schedule(self, loan_id: str) -> Any:
        try:
            return await self.client.get("servicing", f"/v1/loans/{loan_id}/schedule", OPS)
        except StepFailed as exc:
            if "-> 404" in str(exc):
                return None
            raise

    async def loan(self, key: str) -> dict[str, Any]:
        return await self.client.get("servicing", f"/v1/loans/{self.loans[key].loan_id}", OPS)  # type: ignore[no-any-return]

    async def pay(self, key: str, amount: str, *, idem: str | None = None) -> dict[str, Any]:
        response = await self.client.repay(self.partner, self.loans[key].loan_id, amount, key=idem)
        if response.status_code != 201:
            raise StepFailed(f"repayment {amount} on {key} -> {response.status_code}: {response.text[:500]}")
        self.payments += 1
        return response.json()  # type: ignore[no-any-return]

    async def advance_to(self, target: date) -> None:
        """Advance day by day through due dates: on-time borrowers pay on the due date, late ones
        ten days after it; then day-close runs on up to `target`."""
        today = await self.today()
        stops = sorted({date.fromisoformat(i["due_date"]) + timedelta(days=lag)
                        for loan in self.loans.values() if loan.behaviour != "never"
                        for lag in ((0,) if loan.behaviour == "on_time" else (10,))
                        for i in loan.schedule} | {target})
        for stop in stops:
            if stop <= today or stop > target:
                continue
            await self.client.advance(stop.isoformat())
            today = stop
            await self._portfolio_pays(today)
        self.business_date = today

    async def _portfolio_pays(self, today: date) -> None:
        for key, loan in self.loans.items():
            if loan.behaviour == "never":
                continue
            lag = 0 if loan.behaviour == "on_time" else 10
            if not any(date.fromisoformat(i["due_date"]) + timedelta(days=lag) == today for i in loan.schedule):
                continue
            view = await self.loan(key)
            if view["status"] in ("paid_off", "written_off"):
                continue
            owed = Decimal(view["overdue"]["total"])
            nxt = view.get("next_installment")
            if nxt and nxt["due_date"] == today.isoformat():
                owed += Decimal(nxt["total"]) - Decimal(nxt["paid"])
            if owed > 0:
                await self.pay(key, f"{owed:.2f}")


async def approve_and_disburse(c: LoanflowClient, body: dict[str, Any], key: str = "application", *,
                              investigation: bool = True) -> tuple[str, str]:
    """Submits `body`, approves it at the three review stages (the three contacts verified), runs the field
    investigation when the credit manager's approval asks for one (or fails, `investigation=False`), and
    disburses: (application id, loan id)."""
    app = await c.post("origination", "/v1/applications", CLIENT_MANAGER, body, expect=201)
    if app["status"] != "submitted":
        raise StepFailed(f"{key}: application {app['status']}: {app}")
    url = f"/v1/applications/{app['id']}"
    verifications = [{"relation": r, "outcome": "confirmed"} for r in ("family", "other", "work")]
    await c.post("origination", f"{url}/reviews", CLIENT_MANAGER,
                 {"stage": "client_manager", "decision": "approve", "note": "三方联系人核实无误",
                  "contact_verifications": verifications}, expect=201)
    await c.post("origination", f"{url}/reviews", TEAM_MANAGER,
                 {"stage": "team_manager", "decision": "approve", "note": "复审通过"}, expect=201)
    await c.post("origination", f"{url}/reviews", CREDIT_MANAGER,
                 {"stage": "credit_manager", "decision": "approve", "note": "终审通过"}, expect=201)
    view = await c.get("origination", url, CLIENT_MANAGER)
    if (view.get("next_step") or {}).get("action") == "investigation":
        if not investigation:
            raise StepFailed(f"{key}: an investigation was asked for: {view}")
        await c.post("origination", f"{url}/investigation", ("tm-sun", "team_manager"),
                     {"findings": "实地征信：经营正常", "decision": "approve"}, expect=201)
    loan_id = (await c.post("origination", f"{url}/disbursement", OPS, expect=201))["loan_id"]
    return app["id"], loan_id
