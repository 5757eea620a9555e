"""The demo world's applicants (loanflow/world.py) carry home and work addresses and an employer, valid as
origination checks them, so the demo's collection cases show those contact points and letters have an address."""

from __future__ import annotations

from loanflow.world import World
from services.collections.domain.contact_points import origination_points
from services.origination.domain.products import DEFAULT_RULES
from services.origination.domain.validation import validate_draft

from .factory import application, to_draft
from .test_validation import TODAY


def test_demo_applicants_have_valid_addresses_and_an_employer_that_collections_shows_as_contact_points():
    world = World(client=None, partner=None)  # type: ignore[arg-type]
    applicants = [world.applicant(n) for n in range(40)]
    assert len({a["addresses"]["home"] for a in applicants}) > 30  # not one address for everybody
    for a in applicants:
        body = application()
        body["applicant"] = a
        assert validate_draft(to_draft(body), DEFAULT_RULES["credit"], TODAY) == [], a
        assert a["addresses"]["home"].startswith("河北省保定市") and a["region"] in a["addresses"]["home"]
        assert a["employer"]["address"] == a["addresses"]["work"]
        points = {p.point_id: p for p in origination_points({"borrower": a})}
        assert {"borrower-home", "borrower-work", "employer", "employer-phone", "employer-address"} <= points.keys()
        assert (points["borrower-home"].kind, points["borrower-home"].relation) == ("address", "borrower")
    assert world.applicant(3) == World(client=None, partner=None).applicant(3)  # type: ignore[arg-type]
