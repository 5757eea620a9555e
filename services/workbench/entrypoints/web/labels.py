"""Words for the APIs' codes (stages, behaviour tags, channels, outcomes, ...): catalog msgids."""

from __future__ import annotations

from services.workbench.entrypoints.web.nav import N_

LABELS: dict[str, dict[str, str]] = {
    "stage": {"front": N_("Front-end"), "mid": N_("Mid-end"), "back": N_("Back-end")},
    # Origination (loan officers' pages)
    "application_status": {"submitted": N_("Submitted"), "under_review": N_("Under review"),
                           "approved": N_("Approved"), "rejected": N_("Rejected"), "disbursed": N_("Loan disbursed")},
    "product": {"credit": N_("Credit loan (unsecured)"), "mortgage": N_("Mortgage loan"),
                "guaranteed": N_("Guaranteed loan")},
    "repayment_method": {"equal_installment": N_("Equal installments"), "equal_principal": N_("Equal principal"),
                         "interest_only": N_("Interest monthly, principal at maturity")},
    "relation": {"family": N_("Family contact"), "other": N_("Other contact"), "work": N_("Work contact")},
    "review_stage": {"client_manager": N_("Client manager review"), "team_manager": N_("Team manager re-review"),
                     "credit_manager": N_("Credit manager final review")},
    "role": {"client_manager": N_("Client manager"), "team_manager": N_("Team manager"),
             "credit_manager": N_("Credit manager"), "admin": N_("Administrator")},
    "decision": {"approve": N_("Approve"), "reject": N_("Reject")},
    "verification": {"confirmed": N_("Verified"), "unreachable": N_("Unreachable"),
                     "inconsistent": N_("Inconsistent")},
    "next_action": {"review": N_("Review"), "investigation": N_("Field investigation"),
                    "disbursement": N_("Disbursement")},
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
        "met_borrower": N_("Visit: met the borrower"), "met_family": N_("Visit: met the family"),
        "address_invalid": N_("Visit: address invalid"), "moved": N_("Visit: borrower moved"),
        "switched_off": N_("Switched off"), "busy": N_("Busy"), "not_in_service": N_("Number not in service"),
    },
    "target": {"borrower": N_("Borrower"), "guarantor": N_("Guarantor"), "family": N_("Family"),
               "work": N_("Work contact"), "other": N_("Other contact"), "employer": N_("Employer")},
    "reason": {"forgot": N_("Forgot"), "cash_flow": N_("Short of cash"), "business_down": N_("Business is down"),
               "job_loss": N_("Lost the job"), "illness": N_("Illness"), "dispute": N_("Disputes the debt"),
               "fraud": N_("Fraud"), "wilful": N_("Will not pay"), "other": N_("Other reason")},
    "point_kind": {"phone": N_("Phone"), "address": N_("Address"), "employer": N_("Employer")},
    "point_reason": {"marked_by_hand": N_("marked by hand"), "wrong_number": N_("Wrong number"),
                     "not_in_service": N_("Number not in service"),
                     "address_invalid": N_("Visit: address invalid"), "moved": N_("Visit: borrower moved")},
    "point_status": {"unknown": N_("Not yet tried"), "valid": N_("Valid"), "invalid": N_("Invalid")},
    "complaint_category": {"sales": N_("Sales"), "amount_approved": N_("Amount approved"), "fees": N_("Fees"),
                           "collector_conduct": N_("Collector's conduct"), "privacy": N_("Privacy"),
                           "other": N_("Other")},
    "complaint_status": {"open": N_("Open"), "resolved": N_("Resolved")},
    "promise_status": {"open": N_("Open"), "kept": N_("Kept"), "broken": N_("Broken"), "partial": N_("Partly paid"),
                       "cancelled": N_("Cancelled")},
    "queue": {"front": N_("Front-end"), "mid": N_("Mid-end"), "back": N_("Back-end"), "fraud": N_("Fraud"),
              "deceased": N_("Deceased"), "estate": N_("Estate"), "legal": N_("Legal"), "agency": N_("Agency")},
    "case_status": {"open": N_("Open"), "closed": N_("Closed")},
    "placement_status": {"active": N_("Placed"), "recalled": N_("Recalled")},
    "recall_reason": {"requested": N_("recalled by hand"), "recall_date": N_("recall date passed"),
                      "case_closed": N_("case closed")},
    "letter_template": {"reminder": N_("Reminder letter"), "demand_notice": N_("Demand notice (催收通知书)"),
                        "pre_legal": N_("Pre-legal notice")},
    "letter_status": {"sent": N_("Sent"), "returned": N_("Returned by the post"), "delivered": N_("Signed for")},
    # legal proceedings (issue 15)
    "legal_kind": {"referral": N_("Referral to legal"), "filing": N_("Filing at court (立案)"),
                   "payment_order": N_("Payment order (支付令)"), "judgment": N_("Judgment"),
                   "enforcement": N_("Enforcement (强制执行)"), "police_report": N_("Police report (经侦)"),
                   "closed": N_("Proceedings closed")},
    "legal_status": {"none": N_("Not in legal"), "referred": N_("Referred to legal"), "filed": N_("Filed at court"),
                     "payment_order": N_("Payment order issued"), "judgment": N_("Judgment given"),
                     "enforcement": N_("Under enforcement"), "closed": N_("Proceedings closed")},
    "legal_outcome": {"recovered": N_("Recovered"), "settled": N_("Settled"), "withdrawn": N_("Withdrawn"),
                      "dismissed": N_("Dismissed"), "unrecoverable": N_("Nothing to recover")},
    "loan_status": {"current": N_("Current"), "overdue": N_("Overdue"), "paid_off": N_("Paid off"),
                    "written_off": N_("Written off")},
    "installment_status": {"paid": N_("Paid"), "due": N_("Due"), "overdue": N_("Overdue"),
                           "partially_paid": N_("Partly paid"), "pending": N_("Not yet due"),
                           "scheduled": N_("Not yet due"), "upcoming": N_("Not yet due"), "unpaid": N_("Unpaid")},
}


def label(kind: str, value: object) -> str:
    """The msgid for a code of a kind; the code itself when it is not known (shown as is)."""
    return LABELS.get(kind, {}).get(str(value), str(value) if value is not None else "")


DONE = {
    "contacts": N_("The contact is logged."), "promises": N_("The promise is recorded."),
    "tags": N_("The behaviour tag is added."), "disputes": N_("The dispute is open: collection pauses."),
    "fraud": N_("The case moved to the fraud queue."), "deceased": N_("The death report waits for verification."),
    "skip-trace": N_("The skip trace is asked for."), "escalate": N_("The case is escalated."),
    "assign": N_("The case is reassigned."), "disputes/resolve": N_("The dispute is resolved."),
    "deceased/verification": N_("The verification is recorded."), "deceased/path": N_("The path is chosen."),
    "statute/restart": N_("The statute clock restarts."), "write-off": N_("The write-off is decided."),
    "letters": N_("The letter is sent."), "letters/returned": N_("The return is recorded."),
    "letters/delivered": N_("The delivery is recorded."),
    "contact-points": N_("The contact point is added."), "contact-points/status": N_("The contact point is marked."),
    "complaints": N_("The complaint is recorded: collection goes on."),
    "complaints/resolve": N_("The complaint is answered."),
    "placements": N_("The case is placed with the agency."),
    "placements/recall": N_("The case is recalled from the agency."),
    "legal-actions": N_("The legal step is recorded."),
}

EVENTS = {
    "loan.application.submitted": N_("Application submitted"), "loan.application.reviewed": N_("Application reviewed"),
    "loan.application.approved": N_("Application approved"), "loan.application.rejected": N_("Application rejected"),
    "loan.application.investigated": N_("Field investigation"), "loan.application.amended": N_("Application amended"),
    "loan.disbursed": N_("Disbursed"), "loan.schedule.created": N_("Schedule created"),
    "loan.payment.due": N_("Installment due"), "loan.payment.received": N_("Payment received"),
    "loan.payment.missed": N_("Payment missed"), "loan.charge.applied": N_("Charge applied"),
    "loan.paid_off": N_("Paid off"), "loan.written_off": N_("Written off"),
    "collections.case.opened": N_("Case opened"), "collections.case.assigned": N_("Case assigned"),
    "collections.case.escalated": N_("Case escalated"), "collections.case.resolved": N_("Case resolved"),
    "collections.case.tagged": N_("Behaviour tagged"),
    "collections.case.special_status_changed": N_("Special path changed"),
    "collections.qa.reviewed": N_("Call QA review"),
    "collections.qa.coaching_acknowledged": N_("QA coaching acknowledged"),
    "collections.contact.logged": N_("Contact logged"), "collections.promise.made": N_("Promise made"),
    "collections.promise.kept": N_("Promise kept"), "collections.promise.broken": N_("Promise broken"),
    "collections.policy.decided": N_("Policy decided"), "collections.dispute.opened": N_("Dispute opened"),
    "collections.dispute.resolved": N_("Dispute resolved"), "collections.statute.warned": N_("Statute warning"),
    "collections.statute.restarted": N_("Statute restarted"), "collections.statute.expired": N_("Statute expired"),
    "collections.write_off.proposed": N_("Write-off proposed"),
    "collections.write_off.decided": N_("Write-off decided"),
    "collections.recovery.attributed": N_("Recovery credited"),
    "collections.letter.sent": N_("Letter sent"), "collections.letter.returned": N_("Letter returned"),
    "collections.letter.delivered": N_("Letter signed for"),
    "collections.complaint.opened": N_("Complaint opened"), "collections.complaint.resolved": N_("Complaint resolved"),
    "collections.contact_point.added": N_("Contact point added"),
    "collections.contact_point.status_changed": N_("Contact point marked"),
    "collections.placement.made": N_("Placed with an agency"),
    "collections.placement.recalled": N_("Recalled from the agency"),
    "collections.legal.referred": N_("Referred to legal"),
    "collections.legal.action_recorded": N_("Legal step recorded"),
}


def queue_label(queue: str) -> str:
    return label("queue", queue)


def done_message(action: str) -> str:
    return DONE.get(action, "")


def event_label(event_type: str) -> str:
    """The msgid for an event type; the type itself when new (shown as is)."""
    return EVENTS.get(event_type, event_type)
