"""What a letter says: the fields its Chinese template fills in, from the recorded `collections.letter.sent`.

Pure: the same event, borrower name and lender give the same text (the PDF is rendered from it,
never stored). Amounts are yuan to the fen with thousands separators; dates are written 2026年5月21日.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from services.collections.domain.letters import TEMPLATES
from shared.contracts import collections as ev


@dataclass(frozen=True)
class Lender:
    """Who signs the letters and where the borrower can reach them (settings `LOANFLOW_COLLECTIONS_LENDER_*`)."""

    name: str = "乐福消费金融有限公司"
    department: str = "贷后管理部"
    phone: str = "400-820-8820"
    address: str = "上海市浦东新区世纪大道100号"


def zh_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def yuan(amount: Decimal) -> str:
    return f"{amount:,.2f}"


def amount_rows(sent: ev.LetterSent) -> list[tuple[str, str]]:
    """The amounts table: overdue installments (principal and interest, as separate lines when the letter
    carries the split), 罚息, fees, the total (yuan)."""
    if sent.principal_overdue is not None and sent.interest_overdue is not None:
        overdue = [("逾期本金", yuan(sent.principal_overdue)), ("逾期利息", yuan(sent.interest_overdue))]
    else:
        overdue = [("逾期本息", yuan(sent.amount_overdue))]
    return [*overdue, ("罚息", yuan(sent.penalty)), ("费用", yuan(sent.fees)), ("合计应还", yuan(sent.total_due))]


def letter_fields(sent: ev.LetterSent, *, name: str, lender: Lender) -> dict[str, str]:
    """The placeholders of the letter's template, filled for this letter."""
    return {"title": TEMPLATES[sent.template].title, "name": name, "loan_id": sent.loan_id,
            "letter_id": sent.letter_id, "overdue_since": zh_date(sent.overdue_since), "sent_on": zh_date(sent.sent_on),
            "days_past_due": str(sent.days_past_due), "pay_by": zh_date(sent.pay_by),
            "total_due": yuan(sent.total_due), "principal_outstanding": yuan(sent.principal_outstanding),
            "lender": lender.name, "department": f"{lender.name}{lender.department}", "phone": lender.phone,
            "lender_address": lender.address, "address": sent.address or "",
            "tracking_number": sent.tracking_number or ""}
