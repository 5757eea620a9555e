"""Resident ID numbers (GB 11643) and mobile numbers, checked without any I/O."""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from services.origination.domain.identity import CHECK_CHARS, check_digit, id_number_problem, phone_problem

regions = st.from_regex(r"[1-6]\d{5}", fullmatch=True)
births = st.dates(min_value=date(1900, 1, 1), max_value=date(2026, 12, 31)).map(lambda d: d.strftime("%Y%m%d"))
serials = st.from_regex(r"\d{3}", fullmatch=True)
bodies = st.builds(lambda r, b, s: r + b + s, regions, births, serials)


def test_the_standard_examples_are_valid():
    assert id_number_problem("11010519491231002X") is None
    assert id_number_problem("440524188001010014") is None


@settings(deadline=None)
@given(bodies)
def test_a_body_with_its_check_digit_is_a_valid_id_number(body):
    assert id_number_problem(body + check_digit(body)) is None


@settings(deadline=None)
@given(bodies, st.sampled_from(CHECK_CHARS))
def test_any_other_check_character_is_refused(body, last):
    if last != check_digit(body):
        assert id_number_problem(body + last) is not None


@settings(deadline=None)
@given(bodies, st.integers(0, 16), st.integers(1, 9))
def test_a_single_mistyped_digit_is_always_caught(body, position, shift):
    valid = body + check_digit(body)
    wrong = str((int(valid[position]) + shift) % 10)
    mistyped = valid[:position] + wrong + valid[position + 1:]
    assert id_number_problem(mistyped) is not None


@settings(deadline=None)
@given(st.text(alphabet="0123456789X", max_size=30).filter(lambda s: len(s) != 18))
def test_anything_but_18_characters_is_refused(value):
    assert id_number_problem(value) == "must be 18 characters: 17 digits and a digit or X"


def test_an_impossible_birth_date_is_refused():
    body = "110105" + "19900230" + "123"
    assert id_number_problem(body + check_digit(body)) == "digits 7-14 are not a valid birth date"


@settings(deadline=None)
@given(st.from_regex(r"1[3-9]\d{9}", fullmatch=True))
def test_mainland_mobiles_are_accepted(phone):
    assert phone_problem(phone) is None


@settings(deadline=None)
@given(st.one_of(st.from_regex(r"1[3-9]\d{8}", fullmatch=True), st.from_regex(r"1[3-9]\d{10}", fullmatch=True),
                 st.from_regex(r"1[0-2]\d{9}", fullmatch=True), st.from_regex(r"[02-9]\d{10}", fullmatch=True),
                 st.from_regex(r"1[3-9]\d{4}-\d{4}", fullmatch=True)))
def test_other_numbers_are_refused(phone):
    assert phone_problem(phone) is not None
