"""Words for arrangements (issue 15) on the pages: kinds, statuses, events, notices and refusal rules.

Kept apart from `labels.py` / `rules.py` (which many pages share) and merged into their tables when the
arrangement routes are imported (`routes/arrangements.py`).
"""

from __future__ import annotations

from services.workbench.entrypoints.web.labels import DONE, EVENTS, LABELS
from services.workbench.entrypoints.web.nav import N_
from services.workbench.entrypoints.web.rules import RULES

LABELS.update({
    "arrangement_kind": {"instalment_plan": N_("Instalment plan"), "settlement": N_("Settlement (减免)")},
    "arrangement_status": {"pending_approval": N_("Waiting for approval"), "approved": N_("Approved"),
                           "rejected": N_("Rejected"), "broken": N_("Broken"), "completed": N_("Completed"),
                           "declined": N_("Not applied by servicing")},
    "arrangement_decline_reason": {
        "plan_no_longer_fits": N_("The amount owed changed since the proposal and the plan no longer fits it"),
        "another_arrangement_held": N_("The loan already follows another arrangement"),
        "loan_closed": N_("The loan was already closed")},
    "approver_role": {"collections_supervisor": N_("a supervisor"), "credit_manager": N_("a credit manager")},
})
LABELS["installment_status"].update({"arranged": N_("Moved to the arrangement"),
                                     "cancelled": N_("Cancelled (arrangement broken)")})
EVENTS.update({
    "collections.arrangement.proposed": N_("Arrangement proposed"),
    "collections.arrangement.approved": N_("Arrangement approved"),
    "collections.arrangement.rejected": N_("Arrangement rejected"),
    "collections.arrangement.broken": N_("Arrangement broken"),
    "collections.arrangement.completed": N_("Arrangement completed"),
    "loan.arrangement.applied": N_("Arrangement applied (waiver)"),
    "loan.arrangement.reverted": N_("Arrangement reverted (terms restored)"),
    "collections.arrangement.declined": N_("Arrangement not applied by servicing"),
    "loan.arrangement.declined": N_("Arrangement declined by servicing (terms unchanged)"),
})
DONE.update({
    "arrangements": N_("The arrangement is proposed."),
    "arrangements/approve": N_("The arrangement is approved."),
    "arrangements/reject": N_("The arrangement is rejected."),
})
RULES.update({
    "arrangement_total_mismatch": N_("Instalments and waiver must add up to the amount owed"),
    "arrangement_plan_too_short": N_("An instalment plan has at least two instalments"),
    "arrangement_instalment_date": N_("Instalments fall due after the business date"),
    "arrangement_instalment_order": N_("Instalment dates must be different and in order"),
    "arrangement_instalment_amount": N_("Each instalment is more than 0.00"),
    "arrangement_first_instalment_below_charges": N_("The first instalment must at least pay the charges left"),
    "arrangement_exists": N_("The case already has an arrangement"),
    "arrangement_not_pending": N_("The arrangement is no longer waiting for approval"),
    "own_proposal": N_("Nobody approves their own proposal"),
    "approval_limit": N_("The waiver is above your approval limit"),
    "arrangement_too_many_instalments": N_("Too many instalments for collections' configured maximum"),
    "arrangement_waive": N_("The waiver is an amount of 0.00 or more, in fen"),
    "arrangement_no_instalments": N_("An arrangement has at least one instalment"),
    "plan_count": N_("Between 1 and 36 instalments"),
    "plan_first_due": N_("The first due date must be a date"),
    "plan_nothing_owed": N_("Too little left after the waiver to split into that many instalments"),
})
