"""The applications waiting for the signed-in loan officer (pure): whose next step is theirs, segregation
of duties, longest waiting first."""

from __future__ import annotations

from services.workbench.domain.worklist import waiting_for


def row(app_id: str, status: str, next_stage: str | None, by: str = "cm-li", updated: str = "2026-03-01T09:00") -> dict:
    return {"id": app_id, "status": status, "next_stage": next_stage, "submitted_by": by, "updated_at": updated}


BOOK = [
    row("a1", "submitted", "client_manager", updated="2026-03-02T10:00"),
    row("a2", "submitted", "client_manager", by="cm-1", updated="2026-03-01T10:00"),
    row("a3", "under_review", "team_manager", by="cm-1"),
    row("a4", "under_review", "team_manager", by="tm-wang"),  # filed by the team manager himself
    row("a5", "under_review", "credit_manager"),
    row("a6", "approved", None),
    row("a7", "approved", None),
    row("a8", "disbursed", None),
    row("a9", "rejected", None),
]
DETAILS = {
    "a6": {"next_step": {"action": "investigation", "role": "team_manager"},
           "reviews": [{"stage": "client_manager", "reviewer": "cm-1"}, {"stage": "team_manager", "reviewer": "tm-li"},
                       {"stage": "credit_manager", "reviewer": "tm-wang"}]},
    "a7": {"next_step": {"action": "disbursement", "role": "credit_manager"}, "reviews": []},
}


def ids(waiting: list) -> list[str]:
    return [w.application["id"] for w in waiting]


def test_a_client_manager_sees_the_first_reviews_longest_waiting_first_whoever_filed_them():
    waiting = waiting_for(BOOK, "cm-li", ["client_manager"], DETAILS)
    assert ids(waiting) == ["a2", "a1"], "oldest change first; closed and later-stage applications left out"
    assert {(w.action, w.stage) for w in waiting} == {("review", "client_manager")}


def test_a_team_manager_never_re_reviews_what_he_filed_and_sees_the_investigation_due():
    waiting = waiting_for(BOOK, "tm-wang", ["team_manager"], DETAILS)
    assert "a4" not in ids(waiting), "the filer does not review after the first stage"
    assert "a6" not in ids(waiting), "he gave the final approval of a6: he may not investigate it"
    assert ids(waiting) == ["a3"]
    other = waiting_for(BOOK, "tm-sun", ["team_manager"], DETAILS)
    assert [(w.application["id"], w.action) for w in other] == [("a3", "review"), ("a4", "review"),
                                                                 ("a6", "investigation")]


def test_a_credit_manager_sees_final_reviews_and_disbursements_but_not_an_approval_without_its_detail():
    waiting = waiting_for(BOOK, "cr-zhao", ["credit_manager"], DETAILS)
    assert [(w.application["id"], w.action) for w in waiting] == [("a5", "review"), ("a7", "disbursement")]
    assert ids(waiting_for(BOOK, "cr-zhao", ["credit_manager"], {})) == ["a5"], "a6/a7 unknown: not guessed"
    assert ids(waiting_for(BOOK, "ops", ["admin"], DETAILS)) == ["a7"], "admin disburses, reviews nothing"


def test_a_reviewer_of_an_earlier_stage_is_not_asked_again():
    detail = {"a3": {"next_step": None, "reviews": [{"stage": "client_manager", "reviewer": "both"}]}}
    assert ids(waiting_for([BOOK[2]], "both", ["client_manager", "team_manager"], detail)) == []
    assert ids(waiting_for([BOOK[2]], "both", ["client_manager", "team_manager"])) == ["a3"]
    assert waiting_for(BOOK, "nobody", ["collector"], DETAILS) == []
