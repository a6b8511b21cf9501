"""The incentive uplift (grab orders, domain §5): 0 to 200 percent on top of a booking's hours
and cost. One bound for the services, the forms and both tables' CHECK constraints, and the
uplift's arithmetic, in Python and as an ORM expression."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import DecimalField, F, Func, Q
from django.utils.translation import gettext as _

MIN_UPLIFT, MAX_UPLIFT = 0, 200


def valid_uplift(uplift_percent: object) -> bool:
    return isinstance(uplift_percent, int) and MIN_UPLIFT <= uplift_percent <= MAX_UPLIFT


def uplift_bounds_q() -> Q:
    """The CHECK constraint's condition; the column is a PositiveSmallIntegerField, whose own
    check already keeps it at MIN_UPLIFT or more."""
    return Q(uplift_percent__lte=MAX_UPLIFT)


def uplift_refused() -> dict[str, list[str]]:
    """The field error a service raises for an uplift out of bounds."""
    return {"uplift_percent": [_("The uplift is 0 to 200 percent.")]}


def uplifted(amount: Decimal, uplift_percent: int) -> Decimal:
    """``amount × (1 + uplift)``, exact: the caller rounds (hours to the hundredth, money to the cent)."""
    return Decimal(amount) * (100 + uplift_percent) / 100


class Uplifted(Func):
    """``uplifted`` in SQL, unrounded (a sum adds it up before rounding): ``Uplifted(amount)``
    takes the row's ``uplift_percent``, ``Uplifted(amount, uplift)`` another's."""

    arity = 2
    # 100.0, a numeric literal: SQLite keeps a whole-number decimal as an integer and would
    # otherwise divide it as one; PostgreSQL stays exact.
    template = "(%(expressions)s) / 100.0)"
    arg_joiner = " * (100 + "
    output_field = DecimalField(max_digits=14, decimal_places=4)

    def __init__(self, amount, uplift_percent=None, **extra):
        super().__init__(amount, uplift_percent if uplift_percent is not None else F("uplift_percent"), **extra)
