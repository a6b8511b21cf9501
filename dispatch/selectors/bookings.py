"""Reads of bookings: who may see which, their delay, the rep's, engineer's and lead's lists, and
the quote and budget a booking would meet."""

import datetime as dt
from typing import cast

from django.db.models import (
    Min,
    OuterRef,
    QuerySet,
    Subquery,
)
from django.utils import timezone

from budgeting.models import Budget
from budgeting.selectors.budgets import allocation_for
from dispatch.availability import unavailability
from dispatch.delay import Delay, classify_delay
from dispatch.models import BOOKING_TRANSITIONS, HOLDING_STATUSES, Booking, BookingStatus, Engineer
from dispatch.rules.hours import booked_hours
from dispatch.services.bookings import booking_cost, hourly_rate_for
from presales import access
from presales.choices import DISPATCHABLE_STAGES
from presales.models import Opportunity, User
from presales.periods import Quarter
from presales.selectors.opportunities import opportunity_list

MISSING = object()


def with_work_order_delay(qs: QuerySet[Booking]) -> QuerySet[Booking]:
    """Annotate what the work order's delay needs (its earliest holding booking's start and the
    solution's slight limit) and fetch what a booking's display needs, in one query."""
    first_start = (
        Booking.objects.filter(work_order=OuterRef("work_order"), status__in=HOLDING_STATUSES)
        .order_by()
        .values("work_order")
        .annotate(first=Min("start"))
        .values("first")
    )
    return qs.select_related(
        "engineer__user", "engineer__region", "work_order__opportunity__owner", "work_order__solution"
    ).annotate(work_order_first_start=Subquery(first_start))


def with_own_work_order_delay(booking: Booking) -> Booking:
    """For a booking that ``booking_create`` made without a work order: it opened its own, so it
    is that work order's first holding booking and what ``with_work_order_delay`` annotates is
    its own start. A booking that fills a given work order (a grab order's confirmation, too)
    is read back through ``booking_list`` instead: the work order's other bookings may come
    first. Saves the re-read's join, the dearest part of a booking request (bench/README.md)."""
    # The attribute with_work_order_delay annotates, which the stubs know only on its querysets.
    booking.work_order_first_start = booking.start  # type: ignore[attr-defined]
    return booking


def booking_delay(booking: Booking, *, now: dt.datetime | None = None) -> Delay:
    """The delay of the booking's work order; uses the annotation when present."""
    first_start = getattr(booking, "work_order_first_start", MISSING)
    if first_start is MISSING:
        first_start = booking.work_order.bookings.filter(status__in=HOLDING_STATUSES).aggregate(m=Min("start"))["m"]
    work_order = booking.work_order
    return classify_delay(
        desired_start=work_order.desired_start,
        first_start=cast("dt.datetime | None", first_start),
        slight_limit_hours=work_order.solution.slight_delay_hours,
        at=now or timezone.now(),
        cancelled_at=work_order.cancelled_at,
    )


def booking_list(
    *,
    user: User,
    opportunity: Opportunity | None = None,
    engineer: Engineer | None = None,
    status: str | None = None,
    start_from: dt.datetime | None = None,
    start_to: dt.datetime | None = None,
) -> QuerySet[Booking]:
    """Visible bookings, filtered; ``start_from``/``start_to`` keep those overlapping the range."""
    qs = Booking.objects.restrict(user)
    if opportunity is not None:
        qs = qs.filter(work_order__opportunity=opportunity)
    if engineer is not None:
        qs = qs.filter(engineer=engineer)
    if status:
        qs = qs.filter(status=status)
    if start_from is not None:
        qs = qs.filter(end__gt=start_from)
    if start_to is not None:
        qs = qs.filter(start__lt=start_to)
    return with_work_order_delay(qs).select_related("rating").order_by("start", "pk")


def lead_bookings(*, user: User) -> QuerySet[Booking]:
    """Tiered support: the open bookings (booked, acknowledged) of class A/B opportunities of the
    solutions whose delivery centre ``user`` leads, soonest first; what the lead may reassign."""
    if not access.is_lead(user):  # a centre's named lead without the role leads nothing
        return Booking.objects.none()
    qs = Booking.objects.filter(status__in=BOOKING_TRANSITIONS.sources("reassign")).filter(
        access.leads_centre_work_q(user, "work_order__opportunity")
    )
    return with_work_order_delay(qs).select_related("rating").order_by("start", "pk")


def dispatchable_opportunities(*, user: User) -> QuerySet[Opportunity]:
    """The rep's own opportunities past qualification: those engineers may be booked for."""
    return opportunity_list(user=user).filter(owner=user, stage__in=DISPATCHABLE_STAGES).order_by("name", "pk")


def budget_remaining(*, rep: User, moment: dt.datetime) -> dict:
    """The rep's remaining budget in the quarter of ``moment``, read only.

    A quarter whose budget is not open yet counts with the allocation it would open with, as
    the booking service opens it on the first booking; reading never creates it.
    """
    period = str(Quarter.of(moment))
    budget = Budget.objects.filter(owner=rep, period=period).first()
    remaining = budget.remaining if budget else allocation_for(rep=rep, period=period).amount
    return {"period": period, "budget": budget, "remaining": remaining}


def booking_quote(
    *, rep: User, engineer: Engineer, start: dt.datetime, end: dt.datetime, uplift_percent: int = 0
) -> dict:
    """What booking the slot would cost, the budget left after it, and whether the engineer is
    free then, priced exactly as booking_create prices it; nothing is written."""
    hours = booked_hours(start, end)
    hourly_rate = hourly_rate_for(engineer)
    cost = booking_cost(hours=hours, hourly_rate=hourly_rate, uplift_percent=uplift_percent)
    budget = budget_remaining(rep=rep, moment=start)
    return {
        "hours": hours,
        "hourly_rate": hourly_rate,
        "cost": cost,
        **budget,
        "remaining_after": budget["remaining"] - cost,
        "unavailable": unavailability(engineer, start, end),
    }


def rep_bookings(*, user: User) -> QuerySet[Booking]:
    """Bookings on the rep's own opportunities, newest first, with what the page shows."""
    return (
        booking_list(user=user)
        .filter(work_order__opportunity__owner=user)
        .select_related("work_order")
        .order_by("-start", "-pk")
    )


def engineer_bookings(*, user: User) -> QuerySet[Booking]:
    """The engineer's own bookings (never another engineer's), with what the page shows."""
    return booking_list(user=user).filter(engineer__user=user).select_related("work_order")


def engineer_upcoming_and_recent(
    *, user: User, now: dt.datetime | None = None, recent_days: int = 30
) -> tuple[list[Booking], list[Booking]]:
    """Bookings not yet over (soonest first), and those that ended in the last ``recent_days``
    (latest first); cancelled ones are left out, they no longer ask anything of the engineer."""
    now = now or timezone.now()
    qs = engineer_bookings(user=user).exclude(status=BookingStatus.CANCELLED)
    upcoming = list(qs.filter(end__gt=now).order_by("start", "pk"))
    recent = list(qs.filter(end__lte=now, end__gt=now - dt.timedelta(days=recent_days)).order_by("-start", "-pk"))
    return upcoming, recent
