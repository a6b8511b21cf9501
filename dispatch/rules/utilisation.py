"""Utilisation (UT, domain §4): effective hours ÷ available working hours, to four places of
the ratio; none when there is no capacity. In Python and as the ORM expression the stored UT
table sorts by; ``dispatch.tests.test_rules`` holds the two equal."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Case, F, FloatField, When
from django.db.models.functions import Cast, Round

RATIO = Decimal("0.0001")


def utilisation(effective_hours: Decimal, available_hours: Decimal, *, places: Decimal = RATIO) -> Decimal | None:
    """``places``: an engineer's record shows a percent to one decimal, so it rounds to 0.001."""
    if not available_hours:
        return None
    return (Decimal(effective_hours) / Decimal(available_hours)).quantize(places)


def utilisation_expression(
    effective: str = "effective_hours", available: str = "available_hours", *, places: Decimal = RATIO
) -> Case:
    """``utilisation`` of two columns, NULL without capacity. As floats: SQLite stores
    whole-number decimals as integers and would divide them as such. The database rounds an
    exact half of the last place away from zero where Python rounds it to even."""
    digits = -int(places.as_tuple().exponent)
    return Case(
        When(
            **{f"{available}__gt": 0},
            then=Round(Cast(F(effective), FloatField()) / Cast(F(available), FloatField()), digits),
        ),
        default=None,
        output_field=FloatField(),
    )
