"""A scripted portfolio of twelve loans, written as the events the three services publish.

Disbursed 10 January 2026, interest-only: 1% a month (100.00 on 10,000.00) due on the 20th,
principal at the sixth installment. L01–L06, L11, L12 always pay on the due date. L07 pays
off on 20 March. L08 misses 20 March, is called and promises, pays on 5 April (cured) and
pays on time after. L09 and L10 never pay: overdue since 20 February, 94 DPD on 25 May.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from shared.contracts import CloudEvent, make_event
from shared.contracts import collections as c
from shared.contracts import origination as o
from shared.contracts import servicing as s

D = date
PAYERS = ["L01", "L02", "L03", "L04", "L05", "L06", "L11", "L12"]
PRINCIPAL = {**{f"L{i:02d}": Decimal("10000.00") for i in range(1, 11)}, "L11": Decimal("5000.00"),
             "L12": Decimal("3000.00")}
VILLAGE, TOWN = "Xiaohe village", "Dongshan town"
REGION = {loan: (VILLAGE if loan in ("L01", "L02", "L03", "L04", "L05", "L09") else TOWN) for loan in PRINCIPAL}
DUE = [D(2026, 2, 20), D(2026, 3, 20), D(2026, 4, 20), D(2026, 5, 20), D(2026, 6, 20), D(2026, 7, 20)]


def interest(loan: str) -> Decimal:
    return PRINCIPAL[loan] / 100


class Story:
    """Builds the events in the order they happen; `events` is the list to publish."""

    def __init__(self) -> None:
        self.events: list[tuple[str, CloudEvent]] = []  # (service, event)
        self.seq: dict[str, int] = {}
        self.stream_of: dict[str, str] = {}  # event id -> the stream its service stores it in
        self.t = datetime(2026, 1, 10, 9, 0, tzinfo=UTC)

    def emit(self, service: str, data: object, *, subject: str, day: date, cause: CloudEvent | None = None,
             stream: str | None = None) -> CloudEvent:
        stream = stream or subject
        self.seq[stream] = self.seq.get(stream, 0) + 1
        self.t += timedelta(seconds=1)
        event = make_event(service, data, subject=subject, businessdate=day, causation=cause)  # type: ignore[arg-type]
        event = event.model_copy(update={"sequence": self.seq[stream], "time": self.t})
        self.events.append((service, event))
        self.stream_of[event.id] = stream
        return event

    def application(self, loan: str) -> CloudEvent:
        app = f"A-{loan}"
        day = D(2026, 1, 8)
        applicant = o.Applicant(name="王小明", id_number="110101********1234", phone="13800001234",
                                monthly_income=Decimal("8000.00"), region=REGION[loan])
        submitted = self.emit("origination", o.ApplicationSubmitted(
            application_id=app, applicant=applicant, product="credit", amount=PRINCIPAL[loan], term_months=6,
            annual_rate=Decimal("0.12"), repayment_method="interest_only",
            contacts=[o.ContactPerson(relation=r, name="李四", phone="13900000000")
                      for r in ("family", "other", "work")],
            credit_report=o.CreditReport(max_overdue_months=0), submitted_by="cm-zhang"), subject=app, day=day)
        last = submitted
        for stage, who in (("client_manager", "cm-zhang"), ("team_manager", "tm-liu"),
                           ("credit_manager", "cr-chen")):
            last = self.emit("origination", o.ApplicationReviewed(application_id=app, stage=stage, decision="approve",
                                                                  reviewer=who), subject=app, day=day, cause=last)
        return self.emit("origination", o.ApplicationApproved(application_id=app, approved_by="cr-chen"),
                         subject=app, day=day, cause=last)

    def disburse(self, loan: str, cause: CloudEvent | None = None, region_on_borrower: bool = True) -> CloudEvent:
        n = int(loan[1:])
        borrower = o.Borrower(name=f"借款人{n:02d}", id_number_masked=f"110101********{n:04d}",
                              phone=f"138{n:08d}", region=REGION[loan] if region_on_borrower else None)
        disbursed = self.emit("origination", o.LoanDisbursed(
            loan_id=loan, application_id=f"A-{loan}", borrower=borrower, principal=PRINCIPAL[loan],
            annual_rate=Decimal("0.12"), term_months=6, repayment_method="interest_only",
            disbursement_date=D(2026, 1, 10), due_day=20, product="mortgage" if loan == "L01" else "credit",
            contacts=[o.ContactPerson(relation="family", name="李四", phone="13900000000")], disbursed_by="ops-wu"),
            subject=loan, day=D(2026, 1, 10), cause=cause, stream=f"A-{loan}")
        installments = [s.ScheduledInstallment(number=i + 1, due_date=due, interest=interest(loan),
                                               principal=PRINCIPAL[loan] if i == 5 else Decimal("0.00"))
                        for i, due in enumerate(DUE)]
        self.emit("servicing", s.ScheduleCreated(loan_id=loan, installments=installments, principal=PRINCIPAL[loan],
                                                 repayment_method="interest_only"),
                  subject=loan, day=D(2026, 1, 10), cause=disbursed)
        return disbursed

    def pay(self, loan: str, day: date, lines: list[tuple[int | None, str, Decimal]], *, outstanding: Decimal,
            status: str = "current", dpd: int = 0) -> CloudEvent:
        total = sum((amount for _, _, amount in lines), Decimal("0.00"))
        return self.emit("servicing", s.PaymentReceived(
            loan_id=loan, payment_id=f"P-{loan}-{day}", partner_id="bank-a", external_ref=f"x-{loan}-{day}",
            amount=total, paid_at=datetime(day.year, day.month, day.day, 10, tzinfo=UTC),
            allocation=[s.AllocationLine(installment_number=n, kind=k, amount=a) for n, k, a in lines],
            principal_outstanding=outstanding, days_past_due=dpd, status=status), subject=loan, day=day)

    def pay_interest(self, loan: str, number: int, day: date) -> CloudEvent:
        return self.pay(loan, day, [(number, "interest", interest(loan))], outstanding=PRINCIPAL[loan])

    def miss(self, loan: str, number: int, day: date, dpd: int, since: date) -> CloudEvent:
        return self.emit("servicing", s.PaymentMissed(
            loan_id=loan, installment_number=number, due_date=DUE[number - 1], amount_overdue=interest(loan) * number,
            days_past_due=dpd, overdue_since=since, principal_outstanding=PRINCIPAL[loan]),
            subject=loan, day=day)

    def case(self, service_event: Any, loan: str, day: date, cause: CloudEvent | None = None) -> CloudEvent:
        return self.emit("collections", service_event, subject=loan, day=day, cause=cause,
                         stream=service_event.case_id)


def scripted_portfolio() -> Story:
    """The whole story up to business day 25 May 2026."""
    st = Story()
    approved = st.application("L01")
    st.disburse("L01", cause=approved)
    for loan in PRINCIPAL:
        if loan != "L01":
            st.disburse(loan, region_on_borrower=loan != "L12")
    st.application("L12")  # L12's region is only on its application
    for number in (1, 2, 3, 4):
        for loan in PAYERS:
            st.pay_interest(loan, number, DUE[number - 1])
    st.pay_interest("L07", 1, DUE[0])
    payoff = st.pay("L07", DUE[1], [(2, "interest", Decimal("100.00")), (None, "principal", Decimal("10000.00"))],
                    outstanding=Decimal("0.00"), status="paid_off")
    st.emit("servicing", s.LoanPaidOff(loan_id="L07", paid_off_on=DUE[1], total_paid=Decimal("10200.00")),
            subject="L07", day=DUE[1], cause=payoff)
    _l08(st)
    _never_pay(st)
    return st


def _l08(st: Story) -> None:
    """L08 misses 20 March, promises on the phone, pays on 5 April: the case is cured."""
    st.pay_interest("L08", 1, DUE[0])
    missed = st.miss("L08", 2, D(2026, 3, 21), 1, DUE[1])
    opened = st.case(c.CaseOpened(case_id="C08", loan_id="L08", stage="front", days_past_due=1,
                                  amount_overdue=Decimal("100.00"), opened_on=D(2026, 3, 21)), "L08", D(2026, 3, 21),
                     cause=missed)
    st.case(c.CaseAssigned(case_id="C08", loan_id="L08", collector="zhao", queue="front", assigned_by="sup-ma"),
            "L08", D(2026, 3, 21), cause=opened)
    st.case(c.ContactLogged(case_id="C08", loan_id="L08", contact_id="K1", channel="phone", outcome="promised",
                            collector="zhao", contacted_at=datetime(2026, 3, 22, 10, tzinfo=UTC),
                            note="borrower 13812345678 will pay"), "L08", D(2026, 3, 22))
    st.case(c.PromiseMade(case_id="C08", loan_id="L08", promise_id="PR1", amount=Decimal("100.00"),
                          promised_date=D(2026, 4, 5), collector="zhao"), "L08", D(2026, 3, 22))
    paid = st.pay("L08", D(2026, 4, 5), [(2, "interest", Decimal("100.00"))], outstanding=Decimal("10000.00"))
    st.case(c.PromiseKept(case_id="C08", loan_id="L08", promise_id="PR1", amount=Decimal("100.00"),
                          paid_amount=Decimal("100.00"), promised_date=D(2026, 4, 5), collector="zhao"),
            "L08", D(2026, 4, 5), cause=paid)
    st.case(c.RecoveryAttributed(case_id="C08", loan_id="L08", payment_id="P-L08-2026-04-05", collector="zhao",
                                 amount=Decimal("100.00"), commission=Decimal("10.00"), stage="front"),
            "L08", D(2026, 4, 5), cause=paid)
    st.case(c.CaseResolved(case_id="C08", loan_id="L08", resolution="cured", resolved_on=D(2026, 4, 5)),
            "L08", D(2026, 4, 5), cause=paid)
    for number in (3, 4):
        st.pay_interest("L08", number, DUE[number - 1])


def _never_pay(st: Story) -> None:
    """L09 and L10 never pay; their cases move front → mid (and L09 → back)."""
    since = DUE[0]
    for loan, case_id in (("L09", "C09"), ("L10", "C10")):
        missed = st.miss(loan, 1, D(2026, 2, 21), 1, since)
        opened = st.case(c.CaseOpened(case_id=case_id, loan_id=loan, stage="front", days_past_due=1,
                                      amount_overdue=Decimal("100.00"), opened_on=D(2026, 2, 21)), loan,
                         D(2026, 2, 21), cause=missed)
        st.case(c.CaseAssigned(case_id=case_id, loan_id=loan, collector="wang", queue="front", assigned_by="sup-ma"),
                loan, D(2026, 2, 21), cause=opened)
        st.case(c.ContactLogged(case_id=case_id, loan_id=loan, contact_id=f"K-{loan}-1", channel="phone",
                                outcome="no_answer" if loan == "L09" else "promised", collector="wang",
                                contacted_at=datetime(2026, 2, 22, 9, tzinfo=UTC)), loan, D(2026, 2, 22))
        for number, day, dpd in ((2, D(2026, 3, 21), 29), (3, D(2026, 4, 21), 60), (4, D(2026, 5, 21), 90)):
            st.miss(loan, number, day, dpd, since)
        st.case(c.CaseEscalated(case_id=case_id, loan_id=loan, from_stage="front", to_stage="mid", reason="dpd 31",
                                days_past_due=31), loan, D(2026, 3, 23))
    wang = {"collector": "wang"}
    st.case(c.PromiseMade(case_id="C10", loan_id="L10", promise_id="PR2", amount=Decimal("100.00"),
                          promised_date=D(2026, 3, 1), **wang), "L10", D(2026, 2, 22))
    st.case(c.PromiseBroken(case_id="C10", loan_id="L10", promise_id="PR2", amount=Decimal("100.00"),
                            paid_amount=Decimal("0.00"), promised_date=D(2026, 3, 1), broken_count=1, **wang),
            "L10", D(2026, 3, 2))
    st.case(c.ContactLogged(case_id="C09", loan_id="L09", contact_id="K3", channel="letter", outcome="sent",
                            contacted_at=datetime(2026, 3, 25, 9, tzinfo=UTC), **wang), "L09", D(2026, 3, 25))
    st.case(c.ContactLogged(case_id="C10", loan_id="L10", contact_id="K4", channel="phone", outcome="complaint",
                            contacted_at=datetime(2026, 3, 25, 9, tzinfo=UTC), note="disputes the fees", **wang),
            "L10", D(2026, 3, 25))
    st.case(c.PromiseMade(case_id="C10", loan_id="L10", promise_id="PR3", amount=Decimal("200.00"),
                          promised_date=D(2026, 4, 10), **wang), "L10", D(2026, 3, 25))
    st.case(c.PromiseBroken(case_id="C10", loan_id="L10", promise_id="PR3", amount=Decimal("200.00"),
                            paid_amount=Decimal("0.00"), promised_date=D(2026, 4, 10), broken_count=2, **wang),
            "L10", D(2026, 4, 11))
    st.case(c.CaseEscalated(case_id="C09", loan_id="L09", from_stage="mid", to_stage="back", reason="dpd 91",
                            days_past_due=91), "L09", D(2026, 5, 22))
    st.case(c.CaseAssigned(case_id="C09", loan_id="L09", collector="li", queue="back", assigned_by="sup-ma"),
            "L09", D(2026, 5, 22))
    st.case(c.ContactLogged(case_id="C09", loan_id="L09", contact_id="K5", channel="visit", outcome="met_borrower",
                            collector="li", contacted_at=datetime(2026, 5, 23, 15, tzinfo=UTC)), "L09", D(2026, 5, 23))


HOME, WORK = "北京市朝阳区建国路88号院3号楼502", "北京市海淀区中关村大街1号"
EMPLOYER_ADDRESS = "北京市海淀区中关村大街1号7层"
APPLICANT_ID, GUARANTOR_ID = "110101199003071234", "110105198507154321"


def with_contact_points(st: Story, loan: str = "L21") -> CloudEvent:
    """An application and a `loan.disbursed` v2 carrying addresses, employer and a guarantor (full ID numbers)."""
    app, day = f"A-{loan}", D(2026, 1, 8)
    addresses = o.Addresses(home=HOME, work=WORK)
    employer = o.Employer(name="北京某某科技有限公司", address=EMPLOYER_ADDRESS, phone="01062345678")
    guarantor = o.Guarantor(name="赵保人", id_number=GUARANTOR_ID, phone="13700007777")
    applicant = o.Applicant(name="孙大伟", id_number=APPLICANT_ID, phone="13600006666",
                            monthly_income=Decimal("12000.00"), region=TOWN, addresses=addresses, employer=employer)
    st.emit("origination", o.ApplicationSubmitted(
        application_id=app, applicant=applicant, product="guaranteed", amount=Decimal("20000.00"), term_months=6,
        annual_rate=Decimal("0.12"), repayment_method="interest_only", guarantor=guarantor,
        contacts=[o.ContactPerson(relation="family", name="孙小红", phone="13500005555")],
        credit_report=o.CreditReport(max_overdue_months=0), submitted_by="cm-zhang"), subject=app, day=day)
    borrower = o.Borrower(name="孙大伟", id_number_masked="110101********1234", phone="13600006666", region=TOWN,
                          addresses=addresses, employer=employer)
    return st.emit("origination", o.LoanDisbursed(
        loan_id=loan, application_id=app, borrower=borrower, principal=Decimal("20000.00"),
        annual_rate=Decimal("0.12"), term_months=6, repayment_method="interest_only",
        disbursement_date=D(2026, 1, 10), due_day=20, product="guaranteed", guarantor=guarantor,
        contacts=[o.ContactPerson(relation="family", name="孙小红", phone="13500005555")], disbursed_by="ops-wu"),
        subject=loan, day=D(2026, 1, 10), stream=app)
