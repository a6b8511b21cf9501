"""Money is exact decimal with two places, rounded half up; never floating point."""

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def money(value) -> Decimal:
    """``money("12.345") == Decimal("12.35")``; also re-rounds SQLite's float-summed aggregates."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)
