"""Pure pieces of the platform: money, masking, tokens, signatures, upcasting."""

from __future__ import annotations

import time
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from shared.auth import TokenIssuer, sign, verify_signature
from shared.contracts import CloudEvent, parse_data
from shared.contracts.registry import EventData, event, public_data, upcast, upcaster
from shared.errors import Unauthorized
from shared.money import Money, allocate_proportionally, money_str, parse_amount, to_fen
from shared.pii import mask_id_number, mask_phone, mask_text


def test_half_up_rounding_to_the_fen():
    assert to_fen(Decimal("2.345")) == Decimal("2.35")
    assert to_fen(Decimal("2.344")) == Decimal("2.34")
    assert to_fen(Decimal("-2.345")) == Decimal("-2.35")
    assert money_str(Decimal("1234.5")) == "1234.50"


def test_amounts_refuse_floats_and_sub_fen_digits():
    assert parse_amount("1234.50") == Decimal("1234.50")
    assert parse_amount(7) == Decimal("7.00")
    with pytest.raises(ValueError):
        parse_amount(0.1)
    with pytest.raises(ValueError):
        parse_amount("1.005")
    with pytest.raises(ValueError):
        parse_amount("abc")
    with pytest.raises(ValueError, match="too large"):  # more digits than the decimal context holds
        parse_amount("1e30")


class Priced(BaseModel):
    amount: Money


def test_money_fields_serialise_as_decimal_strings():
    assert Priced(amount="10.5").model_dump(mode="json") == {"amount": "10.50"}
    with pytest.raises(ValidationError):
        Priced(amount=10.5)


@given(st.decimals(min_value=Decimal("0.01"), max_value=Decimal("1e9"), places=2),
       st.lists(st.decimals(min_value=Decimal("0.01"), max_value=Decimal("1e6"), places=2), min_size=1, max_size=12))
def test_proportional_shares_sum_exactly(total, weights):
    shares = allocate_proportionally(total, weights)
    assert sum(shares) == total
    assert all(s == to_fen(s) for s in shares)


def test_masking_of_id_numbers_and_phones():
    assert mask_id_number("11010519491231002X") == "110105********002X"
    assert mask_phone("13812345678") == "138****5678"
    text = mask_text("borrower 11010519491231002X called from 13812345678")
    assert "19491231" not in text and "1234" not in text.split("from")[1][:8]
    assert "110105********002X" in text and "138****5678" in text


def test_tokens_carry_sub_and_roles_and_refuse_tampering():
    issuer = TokenIssuer("k1-" + "x" * 32)
    principal = issuer.verify(issuer.issue("alice", ["collector"]))
    assert principal.sub == "alice" and principal.roles == {"collector"}
    with pytest.raises(Unauthorized):
        TokenIssuer("k2-" + "x" * 32).verify(issuer.issue("alice", ["collector"]))
    with pytest.raises(Unauthorized):
        issuer.verify(issuer.issue("alice", ["collector"], ttl_seconds=-10))
    with pytest.raises(ValueError):
        issuer.issue("alice", ["emperor"])


def test_partner_signatures_good_bad_and_stale():
    body = b'{"loan_id": "L1", "amount": "10.00"}'
    now = time.time()
    verify_signature("s3cret", sign("s3cret", body, int(now)), body, now)
    with pytest.raises(Unauthorized, match="does not match"):
        verify_signature("s3cret", sign("other", body, int(now)), body, now)
    with pytest.raises(Unauthorized, match="does not match"):
        verify_signature("s3cret", sign("s3cret", body, int(now)), body + b" ", now)
    with pytest.raises(Unauthorized, match="300 s"):
        verify_signature("s3cret", sign("s3cret", body, int(now) - 301), body, now)
    with pytest.raises(Unauthorized, match="malformed"):
        verify_signature("s3cret", "v1=abc", body, now)


@event("test.widget.priced", version=3)
class WidgetPriced(EventData):
    widget_id: str
    price: Money
    currency: str


@upcaster("test.widget.priced", 1)
def _v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
    data["price"] = data.pop("cost")
    return data


@upcaster("test.widget.priced", 2)
def _v2_to_v3(data: dict[str, Any]) -> dict[str, Any]:
    data.setdefault("currency", "CNY")
    return data


def test_old_versions_are_upcast_and_unknown_fields_tolerated():
    old = CloudEvent(source="t", type="test.widget.priced", subject="w1",
                     data={"widget_id": "w1", "cost": "9.90", "colour": "red"},
                     correlationid="c", businessdate=date(2026, 1, 1), dataschemaversion=1)
    parsed = parse_data(old)
    assert parsed == WidgetPriced(widget_id="w1", price=Decimal("9.90"), currency="CNY")
    assert upcast("test.widget.priced", 3, {"x": 1}) == {"x": 1}


def test_published_events_mask_the_applicant_id_number():
    data = {"applicant": {"name": "张三", "id_number": "11010519491231002X", "phone": "13812345678"}}
    published = public_data("loan.application.submitted", data)
    assert published["applicant"]["id_number"] == "110105********002X"
    assert data["applicant"]["id_number"] == "11010519491231002X"


def test_migration_scripts_split_on_statements_not_on_semicolons_in_comments_or_strings():
    from shared.migrate import split_statements

    script = """CREATE TABLE a (x int -- note; not a statement end
    ); INSERT INTO a VALUES (';');
    CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;"""
    assert split_statements(script) == [
        "CREATE TABLE a (x int \n    )", "INSERT INTO a VALUES (';')",
        "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql"]


def test_a_server_out_of_connection_slots_is_a_lost_database_answered_503_and_retried():
    """Seen with many test processes on one PostgreSQL: opening a connection failed with 'sorry, too many clients
    already' (53300), which was a 500 to the caller and a failed attempt to a consumer, not a retry."""
    import asyncpg
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from shared.db import database_lost
    from shared.errors import install_error_handlers

    full = asyncpg.exceptions.TooManyConnectionsError("sorry, too many clients already")
    assert database_lost(full)
    assert not database_lost(asyncpg.exceptions.InsufficientResourcesError("out of shared memory"))
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/full")
    async def full_route() -> None:
        raise full

    answer = TestClient(app, raise_server_exceptions=False).get("/full")
    assert answer.status_code == 503 and answer.headers["Retry-After"] == "1"
    assert answer.json()["error"]["code"] == "unavailable"


def test_a_connection_whose_server_died_mid_operation_is_a_lost_database_answered_503():
    """Seen in the PostgreSQL-kill recovery test: a request's query succeeded, the server was killed, and
    the pool's reset of that connection on release raised InternalClientError (the protocol still waiting
    on the operation the dead server never answered), with nothing else in its chain: a 500 before."""
    import asyncpg
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from shared.db import database_lost
    from shared.errors import install_error_handlers

    died = asyncpg.exceptions.InternalClientError("cannot switch to state 15; another operation (2) is in progress")
    assert database_lost(died)
    assert not database_lost(asyncpg.exceptions.InternalClientError("unexpected message"))
    assert not database_lost(ValueError("in progress"))

    app = FastAPI()
    install_error_handlers(app)

    @app.get("/released")
    async def released() -> None:
        raise died

    answer = TestClient(app, raise_server_exceptions=False).get("/released")
    assert (answer.status_code, answer.headers.get("retry-after")) == (503, "1")
    assert answer.json()["error"]["code"] == "unavailable"
