"""Cursors: one parser for every list, and /v1/events of all four services never a 500 on a bad `after`."""

from __future__ import annotations

import pytest

from loanflow.testing import bearer, running
from services.collections.bootstrap import create_app as collections_app
from services.origination.bootstrap import create_app as origination_app
from services.reporting.bootstrap import create_app as reporting_app
from services.servicing.bootstrap import create_app as servicing_app
from shared.errors import BadRequest
from shared.paging import BIGINT_MAX, parse_cursor


def test_a_cursor_is_ascii_digits_within_bigint():
    assert parse_cursor(None) == 0
    assert parse_cursor("") == 0
    assert parse_cursor("0") == 0
    assert parse_cursor("42") == 42
    assert parse_cursor(str(BIGINT_MAX)) == BIGINT_MAX == 2**63 - 1


@pytest.mark.parametrize("cursor", ["348944425127377633280", str(2**63), "-1", "+1", " 1", "1.0", "１２",
                                    "٣", "abc", "1e3", "0x10", "9" * 5000])
def test_anything_else_is_400_bad_cursor(cursor):
    with pytest.raises(BadRequest) as refused:
        parse_cursor(cursor)
    assert refused.value.status == 400 and refused.value.code == "bad_cursor"


EXPORT_AFTER = {  # what `after` may be: a 200 for a page, a 400 bad_cursor for the rest
    "0": 200, str(2**63 - 1): 200,
    "348944425127377633280": 400, str(2**63): 400, "-5": 400, "abc": 400, "١": 400, "1.5": 400,
}


@pytest.mark.parametrize("create_app", [origination_app, servicing_app, collections_app, reporting_app],
                         ids=["origination", "servicing", "collections", "reporting"])
async def test_event_export_answers_200_or_400_for_any_after(create_app, platform, _drop_platform_dbs):
    app = create_app(None, platform.model_copy(update={"run_background": False}))
    async with running(app) as client:
        admin = bearer(app, "root", "admin")
        for after, status in EXPORT_AFTER.items():
            r = await client.get(f"/v1/events?after={after}&limit=85", headers=admin)
            assert r.status_code == status, (after, r.text)
            if status == 400:
                assert r.json()["error"]["code"] == "bad_cursor"
            else:
                assert r.json() == {"items": [], "next_cursor": None}
