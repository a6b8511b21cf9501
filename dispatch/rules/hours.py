"""Booked, effective and credited hours of a booking (domain §4, §5) — the rule, once, in Python
and as the ORM expression sums use.

Booked hours: the length of the booking's window, what it is priced at. Effective hours:
finished work (``DONE_STATUSES``) at its actual hours, the rest as booked. An engineer's
effective hours over a period sum them over the bookings that hold their time (a cancelled one
holds none) — utilisation's numerator. Credited hours: the effective hours with the booking's
incentive uplift (``rules.uplift``), what the engineer is credited with.
``dispatch.tests.test_rules`` holds the two forms equal.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Protocol

from django.db.models import Case, DecimalField, F, Sum, Value, When
from django.db.models.functions import Coalesce

from dispatch.models import DONE_STATUSES, HOLDING_STATUSES, Booking
from dispatch.rules.uplift import Uplifted, uplifted
from presales.money import money

HOURS = Decimal("0.01")


class BookedHours(Protocol):
    status: str
    hours: Decimal
    actual_hours: Decimal | None
    uplift_percent: int


def booked_hours(start: dt.datetime, end: dt.datetime) -> Decimal:
    """The hours of [start, end) a booking holds and is priced at, to the hundredth. In UTC: two
    times of one zone subtract on the wall clock, so a night across a DST change would be billed
    an hour too many or too few."""
    return (Decimal((end.astimezone(dt.UTC) - start.astimezone(dt.UTC)).total_seconds()) / 3600).quantize(HOURS)


def effective_hours(booking: BookedHours) -> Decimal | None:
    """None only for finished work whose hours were never recorded (no service leaves one)."""
    return booking.actual_hours if booking.status in DONE_STATUSES else booking.hours


def effective_hours_expression(prefix: str = "") -> Case:
    """``effective_hours`` of the booking at ``prefix`` (``"bookings__"`` from an engineer)."""
    return Case(
        When(**{f"{prefix}status__in": DONE_STATUSES}, then=F(f"{prefix}actual_hours")),
        default=F(f"{prefix}hours"),
        output_field=DecimalField(max_digits=8, decimal_places=2),
    )


def credit(hours: Decimal, uplift_percent: int) -> Decimal:
    """Hours credited with an uplift, to the hundredth (a grab order's, before it is booked)."""
    return uplifted(hours, uplift_percent).quantize(HOURS)


def credited_hours(booking: BookedHours) -> Decimal | None:
    hours = effective_hours(booking)
    return None if hours is None else credit(hours, booking.uplift_percent)


def credited_hours_expression(prefix: str = "") -> Uplifted:
    """``credited_hours`` unrounded; ``credit``'s rounding applies to what it reads or sums."""
    return Uplifted(effective_hours_expression(prefix), F(f"{prefix}uplift_percent"))


def effective_hours_by_engineer(
    *, start: dt.datetime, end: dt.datetime, engineer_ids: Iterable[int] | None = None
) -> dict[int, Decimal]:
    """Each engineer's effective hours on the bookings starting in [start, end) that hold their
    time, to the cent; engineers without any are left out. One grouped query."""
    bookings = Booking.objects.filter(status__in=HOLDING_STATUSES, start__gte=start, start__lt=end)
    if engineer_ids is not None:
        bookings = bookings.filter(engineer_id__in=engineer_ids)
    rows = (
        bookings.values("engineer")
        .annotate(hours=Coalesce(Sum(effective_hours_expression()), Value(Decimal(0))))
        .order_by()
    )
    return {row["engineer"]: money(row["hours"]) for row in rows}
