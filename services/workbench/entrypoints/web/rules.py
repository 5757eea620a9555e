"""What each API refusal code means, in words a collector reads (catalog msgids; the API's message follows)."""

from __future__ import annotations

from services.workbench.entrypoints.web.nav import N_

RULES = {
    "call_frequency": N_("Contact policy: too many calls on this case in the last 7 days"),
    "contact_hours": N_("Contact policy: outside the borrower's contact hours"),
    "dispute_pause": N_("Contact policy: the debt is disputed; collection pauses until it is resolved"),
    "field_visit_quota": N_("Contact policy: the monthly field-visit quota is used up"),
    "not_assignee": N_("Only the assigned collector may act on this case"),
    "one_open_promise": N_("This case already has an open promise"),
    "promised_date_in_past": N_("The promised date is in the past"),
    "promised_date_too_far": N_("The promised date is too far ahead"),
    "invalid_amount": N_("The amount is not valid"),
    "case_closed": N_("The case is closed"),
    "special_status_conflict": N_("The case is already on a special path"),
    "segregation_of_duties": N_("Segregation of duties: this person already holds another role on this loan"),
    "no_later_stage": N_("There is no later stage to escalate to"),
    "missing_role": N_("Your role does not allow this"),
    "forbidden": N_("Your role does not allow this"),
    "validation_error": N_("Some fields are not valid"),
    "csrf": N_("The form expired or came from another page; reload the page and try again"),
    "service_unavailable": N_("A service is not reachable right now"),
    "not_found": N_("Not found"),
    "invalid_token": N_("The sign-in token is not valid"),
    "unknown_role": N_("Unknown role"),
    "rate_limited": N_("Too many sign-in attempts; wait a moment and try again"),
    "unknown_queue": N_("Unknown queue"),
    "concurrent_modification": N_("Someone changed this case at the same moment; reload and try again"),
    "outcome_not_for_channel": N_("This outcome does not fit the channel"),
    "placement_active": N_("The case is already placed with an agency; recall it first"),
    "placement_not_active": N_("This placement was already recalled"),
    "recall_on_not_after_business_date": N_("The recall date must be after the business date"),
    "fee_rate_out_of_range": N_("The fee rate is a share between 0 and 1"),
    "legal_out_of_order": N_("Legal steps go in order: referral, filing, order or judgment, enforcement, close"),
    "time_barred": N_("The debt is time-barred: it is never filed"),
    "police_report_not_fraud": N_("A police report belongs to the fraud path: report the fraud first"),
    "action_in_future": N_("The date is after the business date"),
    "outcome_required": N_("Closing the proceedings needs their outcome"),
    "outcome_only_when_closed": N_("An outcome is recorded only when the proceedings close"),
    "collector_inactive": N_("This collector is inactive on the roster"),
    "roster_changed": N_("Someone changed the roster meanwhile; reload the board and try again"),
    "concurrent_change": N_("Someone changed this case at the same moment; reload and try again"),
    "duplicate_case_ids": N_("A case is listed twice"),
    # Origination
    "wrong_stage": N_("Reviews go in order: client manager, team manager, credit manager"),
    "reviews_complete": N_("All three reviews are done"),
    "rejected": N_("The application was rejected; a rejection is final"),
    "disbursed": N_("The loan is already disbursed"),
    "not_approved": N_("Disbursement needs all three reviews approved first"),
    "investigation_required": N_("This amount needs a field investigation by a team manager before disbursement"),
    "already_investigated": N_("The field investigation is already recorded"),
    "recheck_failed": N_("Pre-disbursement re-check: something differs from what was reviewed"),
    "application_not_found": N_("No such application"),
    "not_permitted": N_("Your role does not allow this"),
    "authorisation_required": N_("The credit bureau is queried only with the applicant's signed authorisation"),
    "reveal_not_permitted": N_("Only loan officers may see the personal data unmasked"),
    "reason_required": N_("Say why you need to see the personal data"),
    # Reporting
    "as_of_out_of_range": N_("The as-of date has no previous month end to compare with"),
    "bad_period": N_("The period's start is after its end"),
    # Call QA (issue 16)
    "week_not_over": N_("A week's QA sample is drawn once the week is over"),
    "bad_week": N_("The week is an ISO week such as 2026-W17"),
    "contact_not_sampled": N_("Only contacts in the week's QA sample are reviewed"),
    "contact_not_recorded": N_("The contact has no recording to review"),
    "already_reviewed": N_("This contact was already reviewed"),
    "own_contact": N_("Nobody reviews their own contact"),
    "scorecard_incomplete": N_("Score every item of the scorecard"),
    "unknown_scorecard_item": N_("An item is not on the scorecard"),
    "not_your_finding": N_("Only the collector whose contact it was acknowledges a finding"),
    "coaching_not_required": N_("This finding does not require coaching"),
    "finding_acknowledged": N_("This finding was already acknowledged"),
}


# a code whose rule differs by the service that refused (service, code) -> msgid
SERVICE_RULES = {
    ("collections", "reveal_not_permitted"):
        N_("Only the case's collector, a supervisor or legal may see its contact points unmasked"),
}


def rule_title(code: str, service: str = "") -> str:
    """The msgid for a refusal code (the code itself when unknown: the page then shows the API's message)."""
    return SERVICE_RULES.get((service, code)) or RULES.get(code, N_("The request was refused"))
