"""Full-process visibility (全程可视) of one opportunity: hours, dispatches and their delay, ratings, money.

Every figure is a database aggregation, so the number of queries does not grow with the
number of bookings.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import models
from django.db.models import Avg, Count, Prefetch, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dispatch.availability import available_hours
from dispatch.delay import LATE, Delay, lateness_hours, with_delay
from dispatch.models import (
    DONE_STATUSES,
    HOLDING_STATUSES,
    OPEN_STATUSES,
    Booking,
    Engineer,
    Rating,
    WorkOrder,
)
from dispatch.rules.hours import effective_hours_by_engineer, effective_hours_expression
from dispatch.rules.ratings import SATISFIED_MIN_SCORE, is_bad_review, whole_score
from dispatch.rules.utilisation import utilisation
from dispatch.work_order_status import WorkOrderStatus, with_status
from presales import access
from presales.models import Opportunity, User
from presales.money import ZERO, money


@dataclass
class EngineerRecord:
    engineer: Engineer
    hours_by_stage: dict[str, Decimal] = field(default_factory=dict)
    rating_avg: Decimal | None = None
    rating_count: int = 0

    @property
    def total_hours(self) -> Decimal:
        return sum(self.hours_by_stage.values(), Decimal("0.00"))


@dataclass
class Dispatch:
    work_order: WorkOrder
    first_start: dt.datetime | None
    delay: Delay
    lateness: dt.timedelta
    status: WorkOrderStatus
    bookings: list[Booking] = field(default_factory=list)  # those the viewer may see, by start

    @property
    def lateness_hours(self) -> Decimal:
        return lateness_hours(self.lateness)


@dataclass
class Visibility:
    opportunity: Opportunity
    engineers: list[EngineerRecord]
    dispatches: list[Dispatch]
    spent: Decimal | None
    reserved: Decimal | None

    @property
    def delay_counts(self) -> dict[str, int]:
        counts = Counter(dispatch.delay for dispatch in self.dispatches)
        return {"total": len(self.dispatches), **{delay.value: counts.get(delay, 0) for delay in Delay}}


def opportunity_visibility(*, opportunity: Opportunity, viewer: User, now: dt.datetime | None = None) -> Visibility:
    """What ``viewer`` may see of the opportunity's presales work.

    The owner, their region's managers, leads (for A/B work) and admins see everything; an
    engineer who worked on it sees only their own hours, dispatches and ratings, and no money.
    Callers check that the viewer may see the opportunity at all (presales.selectors.opportunities.opportunity_list).
    """
    now = now or timezone.now()
    bookings = Booking.objects.filter(work_order__opportunity=opportunity)
    own_only = sees_only_own_part(opportunity, viewer)
    if own_only:
        bookings = bookings.filter(engineer__user=viewer)
    records = _engineer_records(bookings)
    dispatches = _dispatches(opportunity, bookings if own_only else None, now)
    spent = reserved = None
    if not own_only:
        sums = bookings.aggregate(
            spent=Sum("charged", filter=Q(status__in=DONE_STATUSES)),
            reserved=Sum("cost", filter=Q(status__in=OPEN_STATUSES)),
        )
        spent, reserved = money(sums["spent"] or ZERO), money(sums["reserved"] or ZERO)
    return Visibility(opportunity, records, dispatches, spent, reserved)


def sees_only_own_part(opportunity: Opportunity, viewer: User) -> bool:
    """Whether ``viewer`` sees only their own part of the opportunity's work — their bookings,
    and no money — on its page, in the visibility API and in the bookings API alike: everyone but
    its rep, an admin, a manager of its region and the delivery-centre lead of its solution for
    A/B work. Costs a query only for a viewer holding a manager's or a lead's role."""
    if access.owns_opportunity_or_admin(viewer, opportunity):
        return False
    if access.leads_centre_work(viewer, opportunity):
        return False  # the delivery-centre lead directs their solution's A/B work
    return not access.manages_region(viewer, opportunity.region_id)


def _engineer_records(bookings) -> list[EngineerRecord]:
    hours = (
        bookings.filter(status__in=DONE_STATUSES)
        .values("engineer", "stage")
        .annotate(hours=Sum(effective_hours_expression()))
        .order_by()
    )
    ratings = (
        bookings.filter(rating__isnull=False)
        .values("engineer")
        .annotate(avg=Avg("rating__score"), count=Count("rating"))
        .order_by()
    )
    worked = {row["engineer"] for row in hours} | set(
        # order_by(): Booking's default ordering would otherwise join the DISTINCT, one row per booking.
        bookings.filter(status__in=HOLDING_STATUSES).values_list("engineer", flat=True).order_by().distinct()
    )
    engineers = Engineer.objects.filter(pk__in=worked).select_related("user").order_by("user__display_name", "pk")
    records = {engineer.pk: EngineerRecord(engineer) for engineer in engineers}
    for row in hours:
        records[row["engineer"]].hours_by_stage[row["stage"]] = money(row["hours"])
    for row in ratings:
        record = records.get(row["engineer"])
        if record:
            record.rating_avg = Decimal(str(row["avg"])).quantize(Decimal("0.01"))
            record.rating_count = row["count"]
    return sorted(records.values(), key=lambda r: (-r.total_hours, r.engineer.name))


def _dispatches(opportunity: Opportunity, own_bookings, now: dt.datetime) -> list[Dispatch]:
    work_orders = WorkOrder.objects.filter(opportunity=opportunity)
    if own_bookings is not None:
        work_orders = work_orders.filter(pk__in=own_bookings.values("work_order"))
    shown = own_bookings if own_bookings is not None else Booking.objects.all()
    return _dispatch_list(work_orders, now, bookings=shown)


def _dispatch_list(work_orders: QuerySet[WorkOrder], now: dt.datetime, *, bookings=None) -> list[Dispatch]:
    """Each work order with its earliest slot-holding booking, its delay and status judged now,
    in desired-start order: one query (and one for ``bookings``, listed on each when given)."""
    work_orders = with_status(
        with_delay(work_orders.select_related("solution").prefetch_related("skills__skill"), at=now), at=now
    ).order_by("desired_start", "pk")
    if bookings is not None:
        shown = bookings.select_related("engineer__user").order_by("start", "pk")
        work_orders = work_orders.prefetch_related(Prefetch("bookings", queryset=shown, to_attr="shown_bookings"))
    rows = []
    for work_order in work_orders:
        # with_delay and with_status annotate these; the stubs know only the model's fields.
        annotated: Any = work_order
        rows.append(
            Dispatch(
                work_order=work_order,
                first_start=annotated.first_start,
                delay=Delay(annotated.delay),
                lateness=dt.timedelta(seconds=annotated.late_s),
                status=WorkOrderStatus(annotated.status),
                bookings=getattr(work_order, "shown_bookings", []),
            )
        )
    return rows


@dataclass
class EngineerReport:
    """An engineer's record over a period, for their managers."""

    engineer: Engineer
    start: dt.datetime
    end: dt.datetime
    hours_by_stage: dict[str, Decimal]
    hours_by_solution: dict[str, Decimal]
    rating_avg: Decimal | None
    rating_count: int
    delayed: list[Dispatch]
    effective_hours: Decimal
    available_hours: Decimal

    @property
    def total_hours(self) -> Decimal:
        return sum(self.hours_by_stage.values(), Decimal("0.00"))

    @property
    def booked_hours(self) -> Decimal:
        """Hours of the work not yet finished: the effective hours that are not worked ones."""
        return self.effective_hours - self.total_hours

    @property
    def utilisation(self) -> Decimal | None:
        """UT: effective hours ÷ available working hours (time off excluded), shown as a percent
        to one decimal."""
        return utilisation(self.effective_hours, self.available_hours, places=Decimal("0.001"))


def engineer_report(*, engineer: Engineer, start: dt.datetime, end: dt.datetime, now=None) -> EngineerReport:
    """Hours (actual, of finished work) by stage and solution, ratings, the late work orders they
    were dispatched to and utilisation, for bookings starting in [start, end).

    Effective hours are the actual hours of finished bookings plus the booked hours of those not
    yet finished; available hours are the working hours of the period minus time off.
    """
    now = now or timezone.now()
    bookings = Booking.objects.filter(engineer=engineer, start__gte=start, start__lt=end)
    done = bookings.filter(status__in=DONE_STATUSES)
    worked = Sum(effective_hours_expression())  # of finished work: its actual hours
    by_stage = {row["stage"]: money(row["h"]) for row in done.values("stage").annotate(h=worked).order_by()}
    by_solution = {
        row["work_order__opportunity__solution__code"]: money(row["h"])
        for row in done.values("work_order__opportunity__solution__code").annotate(h=worked).order_by()
    }
    ratings = bookings.filter(rating__isnull=False).aggregate(avg=Avg("rating__score"), count=Count("rating"))
    effective = effective_hours_by_engineer(start=start, end=end, engineer_ids=[engineer.pk]).get(engineer.pk, ZERO)
    worked_on = WorkOrder.objects.filter(pk__in=bookings.filter(status__in=HOLDING_STATUSES).values("work_order"))
    delayed = [dispatch for dispatch in _dispatch_list(worked_on, now) if dispatch.delay in LATE]
    engineer = Engineer.objects.select_related("user").get(pk=engineer.pk)
    available = available_hours(Engineer.objects.filter(pk=engineer.pk), start, end)[engineer.pk]
    return EngineerReport(
        engineer=engineer,
        start=start,
        end=end,
        hours_by_stage=by_stage,
        hours_by_solution=by_solution,
        rating_avg=Decimal(str(ratings["avg"])).quantize(Decimal("0.01")) if ratings["count"] else None,
        rating_count=ratings["count"],
        delayed=delayed,
        effective_hours=effective,
        available_hours=available,
    )


# --- Page reads: the opportunity's timeline and rating comments, an engineer's record ---------


class Satisfaction(models.TextChoices):
    """How the rep felt, from a score or an average rounded to a whole score (domain §3)."""

    SATISFIED = "satisfied", _("Satisfied")
    NEUTRAL = "neutral", _("Neutral")
    BAD = "bad", _("Bad review")


def satisfaction(score: Decimal | int | None) -> Satisfaction | None:
    if score is None:
        return None
    whole = whole_score(score)
    if is_bad_review(whole):
        return Satisfaction.BAD
    return Satisfaction.SATISFIED if whole >= SATISFIED_MIN_SCORE else Satisfaction.NEUTRAL


@dataclass
class TimelineBar:
    stage: str
    start: dt.datetime
    end: dt.datetime
    left: str  # percent of the time axis, formatted for CSS whatever the language
    width: str
    title: str


@dataclass
class TimelineRow:
    engineer_id: int
    name: str
    username: str
    bars: list[TimelineBar]


@dataclass
class Timeline:
    start: dt.datetime | None
    end: dt.datetime | None
    rows: list[TimelineRow]
    ticks: list[tuple[str, dt.datetime]]  # (percent, moment) for the axis labels


MIN_BAR_PERCENT = 0.4  # a one-hour booking on a months-long axis would otherwise vanish
TIMELINE_TICKS = 6


def opportunity_timeline(*, opportunity: Opportunity, viewer: User) -> Timeline:
    """Every booking that holds (or held) an engineer's time, one row per engineer, placed on a
    shared time axis; an engineer who may see only their own part gets only their row.

    One query whatever the number of bookings. It reads plain values, not model instances,
    and formats in Python: a page with hundreds of bars must still render in well under 100 ms.
    """
    bookings = Booking.objects.filter(work_order__opportunity=opportunity, status__in=HOLDING_STATUSES)
    if sees_only_own_part(opportunity, viewer):
        bookings = bookings.filter(engineer__user=viewer)
    values = list(
        bookings.order_by("engineer__user__display_name", "engineer_id", "start").values_list(
            "engineer_id", "engineer__user__display_name", "engineer__user__username", "stage", "start", "end"
        )
    )
    if not values:
        return Timeline(None, None, [], [])
    start, end = min(v[4] for v in values), max(v[5] for v in values)
    span = (end - start).total_seconds() or 1.0
    tz = timezone.get_current_timezone()
    rows: dict[int, TimelineRow] = {}
    for engineer_id, name, username, stage, bar_start, bar_end in values:
        left = (bar_start - start).total_seconds() / span * 100
        width = min(max((bar_end - bar_start).total_seconds() / span * 100, MIN_BAR_PERCENT), 100 - left)
        local_start, local_end = bar_start.astimezone(tz), bar_end.astimezone(tz)
        title = f"{local_start:%Y-%m-%d %H:%M}–{local_end:%H:%M}"
        row = rows.setdefault(engineer_id, TimelineRow(engineer_id, name or username, username, []))
        row.bars.append(TimelineBar(stage, bar_start, bar_end, f"{left:.3f}", f"{width:.3f}", title))
    ticks = [
        (f"{i * 100 / (TIMELINE_TICKS - 1):.3f}", start + (end - start) * i / (TIMELINE_TICKS - 1))
        for i in range(TIMELINE_TICKS)
    ]
    return Timeline(start, end, list(rows.values()), ticks)


LATEST_COMMENTS = 3  # per engineer on the opportunity page
COMMENTS_FETCHED = 100  # bounds the one query however many ratings the opportunity has


def opportunity_rating_comments(*, opportunity: Opportunity, viewer: User) -> dict[int, list[Rating]]:
    """The latest rating comments per engineer id, newest first (one query)."""
    ratings = Rating.objects.filter(booking__work_order__opportunity=opportunity).exclude(comment="")
    if sees_only_own_part(opportunity, viewer):
        ratings = ratings.filter(booking__engineer__user=viewer)
    comments: dict[int, list[Rating]] = {}
    ratings = ratings.select_related("booking").only("score", "comment", "rated_at", "booking__engineer_id")
    for rating in ratings.order_by("-rated_at", "-pk")[:COMMENTS_FETCHED]:
        latest = comments.setdefault(rating.booking.engineer_id, [])
        if len(latest) < LATEST_COMMENTS:
            latest.append(rating)
    return comments


def record_engineers(*, user: User) -> QuerySet[Engineer]:
    """Engineers whose record ``user`` may read: an admin any, a manager those of their regions."""
    qs = Engineer.objects.select_related("user", "region")
    if access.is_admin(user):
        return qs
    if access.is_manager(user):
        return qs.filter(region__in=access.managed_regions(user))
    return qs.none()
