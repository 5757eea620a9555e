"""Words for the APIs' codes (stages, behaviour tags, channels, outcomes, ...): catalog msgids."""

from __future__ import annotations

from services.workbench.entrypoints.web.nav import N_

LABELS: dict[str, dict[str, str]] = {
    "stage": {"front": N_("Front-end"), "mid": N_("Mid-end"), "back": N_("Back-end")},
    "behaviour": {
        "hostile": N_("Hostile"), "evasive": N_("Evasive"), "victim": N_("Victim"), "confident": N_("Confident"),
        "stubborn": N_("Stubborn"), "sophisticated": N_("Sophisticated"), "serial_promiser": N_("Serial promiser"),
    },
    "special": {
        "none": "", "deceased_reported": N_("Death reported"), "deceased_verified": N_("Death verified"),
        "fraud": N_("Fraud"), "unreachable": N_("Unreachable"),
    },
    "channel": {"phone": N_("Phone"), "sms": N_("SMS"), "letter": N_("Letter"), "visit": N_("Field visit")},
    "outcome": {
        "right_party_contact": N_("Reached the borrower"), "no_answer": N_("No answer"),
        "third_party": N_("Reached a third party"), "refused": N_("Refused to pay"), "promise": N_("Promise to pay"),
        "dispute": N_("Disputes the debt"), "deceased_reported": N_("Reported deceased"),
        "wrong_number": N_("Wrong number"), "notice_signed": N_("Notice signed"),
    },
    "target": {"borrower": N_("Borrower"), "family": N_("Family"), "work": N_("Work contact"),
               "other": N_("Other contact"), "employer": N_("Employer")},
    "promise_status": {"open": N_("Open"), "kept": N_("Kept"), "broken": N_("Broken"), "partial": N_("Partly paid"),
                       "cancelled": N_("Cancelled")},
    "case_status": {"open": N_("Open"), "closed": N_("Closed")},
    "loan_status": {"current": N_("Current"), "overdue": N_("Overdue"), "paid_off": N_("Paid off"),
                    "written_off": N_("Written off")},
    "installment_status": {"paid": N_("Paid"), "due": N_("Due"), "overdue": N_("Overdue"),
                           "partially_paid": N_("Partly paid"), "pending": N_("Not yet due"),
                           "scheduled": N_("Not yet due"), "unpaid": N_("Unpaid")},
}


def label(kind: str, value: object) -> str:
    """The msgid for a code of a kind; the code itself when it is not known (shown as is)."""
    return LABELS.get(kind, {}).get(str(value), str(value) if value is not None else "")
