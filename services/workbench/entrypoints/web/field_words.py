"""The origination API's field-level 422 messages and its rejection and re-check reasons in words a loan
officer reads (catalog msgids).

The API's details carry a `type` (pydantic's, e.g. `missing`) and an English `message` (the
domain's rules, e.g. the GB 11643 check digit). A known one is shown in the page's language;
an unknown one is shown as the API wrote it.
"""

from __future__ import annotations

from collections.abc import Callable

from services.workbench.domain.applications import Reason
from services.workbench.entrypoints.web.nav import N_

BY_MESSAGE = {
    "must be 18 characters: 17 digits and a digit or X":
        N_("An ID number is 18 characters: 17 digits and a digit or X"),
    "digits 7-14 are not a valid birth date": N_("Digits 7–14 are not a valid date of birth"),
    "check digit does not match (GB 11643)": N_("The check digit does not match (GB 11643): check the number"),
    "must be an 11-digit mainland mobile number starting 13-19":
        N_("An 11-digit mainland mobile number starting 13–19"),
    "exactly one family, one other and one work contact": N_("Exactly one family, one other and one work contact"),
    "a contact must not be the applicant (same phone)": N_("A contact must not be the applicant (same phone)"),
    "a contact must not be the applicant": N_("A contact must not be the applicant"),
    "each contact needs their own phone number": N_("Each contact needs their own phone number"),
    "must not be negative": N_("Must not be negative"),
    "must not be empty": N_("Required"),
    "must be positive": N_("Must be more than zero"),
    "at most two decimals (fen)": N_("At most two decimals (fen)"),
    "a mortgage needs collateral": N_("A mortgage needs collateral"),
    "the lien registration (他项权登记) number is required":
        N_("The lien registration (他项权登记) number is required"),
    "a guaranteed loan needs a guarantor": N_("A guaranteed loan needs a guarantor"),
    "the guarantor must not be the applicant": N_("The guarantor must not be the applicant"),
    "a credit loan is unsecured: no collateral": N_("A credit loan is unsecured: leave collateral empty"),
    "a credit loan is unsecured: no guarantor": N_("A credit loan is unsecured: leave the guarantor empty"),
    "required: none in the request and the credit bureau has none":
        N_("Required: the credit bureau has no report for this ID number"),
    "one verification each for the family, other and work contact":
        N_("Record the check of each of the three contacts (family, other, work)"),
    "only at the client_manager stage": N_("Contacts are verified at the client manager review only"),
    "only with decision reject": N_("False information is a reason to reject: choose Reject"),
    "must be a day of month between 1 and 28": N_("A day of the month between 1 and 28"),
    "must not be blank (leave it out instead)": N_("Not only spaces: leave it empty instead"),
    "required when the application carries no credit_report":
        N_("Required without a credit report: the applicant's signed authorisation to query the bureau"),
}

BY_TYPE = {
    "missing": N_("Required"),
    "decimal_parsing": N_("Not a number"),
    "decimal_type": N_("Not a number"),
    "int_parsing": N_("Not a whole number"),
    "int_from_float": N_("Not a whole number"),
    "literal_error": N_("Not one of the choices"),
    "date_from_datetime_parsing": N_("Not a date (YYYY-MM-DD)"),
    "date_parsing": N_("Not a date (YYYY-MM-DD)"),
    "string_too_short": N_("Required"),
    "string_too_long": N_("Too long"),
    "greater_than_equal": N_("Too small"),
    "less_than_equal": N_("Too large"),
    "extra_forbidden": N_("Not a field of this form"),
}


def field_word(message: str, kind: str) -> str:
    """The msgid for an API field error, or "" when the API's own message should be shown."""
    return BY_MESSAGE.get(message) or BY_TYPE.get(kind, "")


REASONS = {
    "changed_since_review": N_("The applicant's data or credit report changed after the %(stage)s"),
    "changed_since_investigation": N_("The applicant's data or credit report changed after the field investigation"),
    "overdue": N_("The credit report shows an overdue of %(months)s months (3 or more)"),
    "bureau_overdue": N_("Credit bureau: the report shows an overdue of %(months)s months (3 or more)"),
    "bureau_changed": N_("Credit bureau: the longest overdue changed from %(before)s to %(after)s months since review"),
    "blacklisted": N_("The applicant's ID number is on the blacklist"),
    "false_information_on_site": N_("False information found by the field investigation: %(note)s"),
    "investigation_rejected": N_("Rejected by the field investigation: %(note)s"),
    "false_information": N_("False information"),
    "rejected_at_review": N_("Rejected at the %(stage)s"),
}


def reason_text(reason: Reason, gettext: Callable[[str], str], stage_name: Callable[[str], str]) -> str:
    """A rejection or re-check reason in the reader's language (origination's sentence when unknown);
    a note the reviewer wrote is appended as written."""
    template = REASONS.get(reason.kind)
    if template is None:
        return reason.text
    values = {**reason.values, "stage": stage_name(reason.values.get("stage", ""))}
    text = gettext(template) % {k: values.get(k, "") for k in ("stage", "months", "before", "after", "note")}
    note = reason.values.get("note")
    if note and "%(note)s" not in template:
        return gettext(N_("%(reason)s: %(note)s")) % {"reason": text, "note": note}
    return text
