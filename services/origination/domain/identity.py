"""Chinese identity inputs: 18-digit resident ID numbers (GB 11643) and 11-digit mobile numbers."""

from __future__ import annotations

import re
from datetime import date

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
_ID_SHAPE = re.compile(r"^\d{17}[\dX]$")
_MOBILE = re.compile(r"^1[3-9]\d{9}$")


def check_digit(body: str) -> str:
    """The GB 11643 check character of the first 17 digits: sum(d_i * w_i) mod 11 -> "10X98765432"."""
    if len(body) != 17 or not body.isdigit():
        raise ValueError("the body of a resident ID number is 17 digits")
    return CHECK_CHARS[sum(int(d) * w for d, w in zip(body, WEIGHTS, strict=True)) % 11]


def id_number_problem(value: str) -> str | None:
    """Why `value` is not a valid resident ID number, or None when it is.

    DOMAIN.md §1: "18-digit resident ID numbers (GB 11643 check digit)". The birth date
    (digits 7-14) must be a real calendar date as well.
    """
    if not _ID_SHAPE.match(value):
        return "must be 18 characters: 17 digits and a digit or X"
    try:
        date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return "digits 7-14 are not a valid birth date"
    if check_digit(value[:17]) != value[17]:
        return "check digit does not match (GB 11643)"
    return None


def normalise_id_number(value: str) -> str:
    """Trim and upper-case the trailing x."""
    return value.strip().upper()


def phone_problem(value: str) -> str | None:
    """Why `value` is not an 11-digit mainland mobile number, or None when it is."""
    if not _MOBILE.match(value):
        return "must be an 11-digit mainland mobile number starting 13-19"
    return None
