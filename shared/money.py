"""Money in CNY: Decimal only, rounded half-up to the fen at defined points."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import BeforeValidator, PlainSerializer

FEN = Decimal("0.01")
ZERO = Decimal("0.00")


def to_fen(value: Decimal | int | str) -> Decimal:
    """Round a Decimal half-up to the fen (0.01 CNY)."""
    return Decimal(value).quantize(FEN, rounding=ROUND_HALF_UP)


def parse_amount(value: Any) -> Decimal:
    """Parse a money amount: a decimal string or int, never a float, at most two decimals."""
    if isinstance(value, float) or isinstance(value, bool):
        raise ValueError("money must be a decimal string such as \"1234.50\", not a float")
    try:
        amount = Decimal(str(value).strip()) if not isinstance(value, Decimal) else value
    except (InvalidOperation, ValueError):
        raise ValueError(f"not a decimal amount: {value!r}")
    if not amount.is_finite():
        raise ValueError("amount must be finite")
    try:
        in_fen = amount.quantize(FEN)
    except InvalidOperation:  # more digits than the decimal context holds
        raise ValueError("amount is too large") from None
    if amount != in_fen:  # only more than two decimals change (no as_tuple(): a named tuple per call)
        raise ValueError("amount has more than two decimals (fen)")
    return in_fen


def money_str(value: Decimal) -> str:
    """Render an amount as the contract's decimal string, e.g. "1234.50"."""
    return f"{to_fen(value):.2f}"


# Pydantic field type: accepts "1234.5"/1234/Decimal, refuses floats, serialises as "1234.50".
Money = Annotated[Decimal, BeforeValidator(parse_amount), PlainSerializer(money_str, return_type=str)]


def _parse_rate(value: Any) -> Decimal:
    if isinstance(value, float) or isinstance(value, bool):
        raise ValueError("rates are decimal strings such as \"0.12\", not floats")
    try:
        rate = Decimal(str(value).strip()) if not isinstance(value, Decimal) else value
    except (InvalidOperation, ValueError):
        raise ValueError(f"not a decimal rate: {value!r}")
    if not rate.is_finite():
        raise ValueError("rate must be finite")
    return rate


# An annual rate as a fraction ("0.12" = 12% a year); serialised as a string.
Rate = Annotated[Decimal, BeforeValidator(_parse_rate), PlainSerializer(lambda r: str(r), return_type=str)]


def allocate_proportionally(total: Decimal, weights: list[Decimal]) -> list[Decimal]:
    """Split `total` over `weights` to the fen; the rounding remainder goes to the last share."""
    if not weights:
        return []
    whole = sum(weights, ZERO)
    if whole == 0:
        return [ZERO] * (len(weights) - 1) + [to_fen(total)]
    shares = [to_fen(total * w / whole) for w in weights[:-1]]
    shares.append(to_fen(total) - sum(shares, ZERO))
    return shares
