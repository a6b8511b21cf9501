"""Reads of engineers and bookings: the search reps run, the schedule board, the booking lists
each user may see, and an engineer's own schedule."""

import datetime as dt
import functools
import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import cast

from django.conf import settings
from django.db.models import (
    Case,
    DecimalField,
    Expression,
    ExpressionWrapper,
    F,
    FloatField,
    Min,
    OrderBy,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Round
from django.utils import timezone
from django.utils.translation import gettext as _

from budgeting.models import Budget
from budgeting.selectors import allocation_for
from dispatch import calendar
from dispatch.availability import MAX_WINDOW, Schedule, engineer_ids, free_window_filter, schedules, unavailability
from dispatch.bookings import _hours, booking_cost, hourly_rate_for
from dispatch.delay import Delay, classify_delay
from dispatch.eligibility import eligible_filter, with_eligibility
from dispatch.models import HOLDING_STATUSES, Booking, BookingStatus, Engineer, EngineerSkill, TimeOff
from presales import access
from presales.choices import DISPATCHABLE_STAGES, ProjectClass
from presales.exceptions import ValidationFailed
from presales.models import Opportunity, Rate, Region, Skill, Solution, User
from presales.periods import Quarter
from presales.selectors import opportunity_list

MISSING = object()

# Weights of the match score (0–100), documented in the README: skill fit matters most, then
# what reps said of the engineer, then being local, then cost.
MATCH_WEIGHTS = {"skill": 40, "rating": 30, "region": 15, "cost": 15}
# Ratings are shrunk towards a neutral 3 as if everyone had two 3-star ratings already, so one
# lucky 5 does not outrank a long record of 4.5.
RATING_PRIOR_COUNT, RATING_PRIOR_SCORE = 2, 3
ORDERINGS: dict[str, tuple[str | OrderBy, ...]] = {
    "match": ("-match_rank", "user__display_name", "pk"),
    "rate": ("hourly_rate", "-match_rank", "pk"),
    "-rating": (F("rating_mean").desc(nulls_last=True), "-rating_count", "pk"),
    "name": ("user__display_name", "pk"),
}


def engineer_search(
    *,
    solution: Solution | None = None,
    skills: Sequence[Skill] = (),
    min_level: int | None = None,
    skill_levels: Sequence[tuple[Skill, int]] = (),
    region: Region | None = None,
    grade: str | None = None,
    resource_type: str | None = None,
    min_rating: Decimal | float | None = None,
    free_from: dt.datetime | None = None,
    free_to: dt.datetime | None = None,
    preferred_regions: Sequence[Region] = (),
    ordering: str = "match",
    opportunity: Opportunity | None = None,
    eligible_only: bool = False,
    now: dt.datetime | None = None,
) -> QuerySet[Engineer]:
    """Active engineers matching every criterion, scored and ordered, all in the database.

    Each skill must be held at ``min_level`` or above (``min_level`` alone: any skill at that
    level); ``skill_levels`` asks each skill at its own level (a work order's requirements).
    With ``free_from``/``free_to`` (at most 31 days apart) only engineers free for the whole window are kept:
    inside working hours, not on leave, no booking overlapping. The score's parts are annotated
    (``skill_fit``, ``rating_fit``, ``region_fit``, ``cost_fit``) so pages can explain it.
    With ``opportunity`` each engineer is annotated ``eligibility`` (the reason code) and
    ``eligible`` under the tiered-support rule; ``eligible_only`` keeps only the eligible.
    """
    if (free_from is None) != (free_to is None):
        raise ValidationFailed(fields={"free_to": [_("Give both ends of the free window.")]})
    if free_from is not None and free_to is not None:
        length = free_to.astimezone(dt.UTC) - free_from.astimezone(dt.UTC)  # instants, not wall clocks
        if length <= dt.timedelta(0):
            raise ValidationFailed(fields={"free_to": [_("The window must end after it starts.")]})
        if length > MAX_WINDOW:
            raise ValidationFailed(fields={"free_to": [_("The free window is at most 31 days long.")]})
    if ordering not in ORDERINGS:
        raise ValidationFailed(fields={"ordering": [_("Unknown ordering.")]})
    qs = Engineer.objects.filter(is_active=True)
    # Each criterion on a related table is "id IN (the distinct engineers that meet it)": found
    # once through an index, and its size known to the planner, which then joins it by hash.
    # EXISTS would be an index probe per engineer, planned from a poor estimate of how many the
    # free-window test keeps (bench/README.md, search item 4).
    if solution is not None:
        qs = qs.filter(pk__in=engineer_ids(Engineer.solutions.through.objects.filter(solution=solution)))
    required = [(skill, min_level or 1) for skill in skills] + list(skill_levels)
    for skill, level in required:
        qs = qs.filter(pk__in=engineer_ids(EngineerSkill.objects.filter(skill=skill, level__gte=level)))
    if min_level is not None and not skills:
        qs = qs.filter(pk__in=engineer_ids(EngineerSkill.objects.filter(level__gte=min_level)))
    if region is not None:
        qs = qs.filter(region=region)
    if grade:
        qs = qs.filter(grade=grade)
    if resource_type:
        qs = qs.filter(resource_type=resource_type)
    if min_rating is not None:
        # sum ≥ min × count, in integers and decimals: no float rounding at the boundary.
        qs = qs.filter(rating_count__gt=0, rating_sum__gte=F("rating_count") * Value(Decimal(str(min_rating))))
    if free_from is not None and free_to is not None:
        # order_by(): the model's ordering would leak into DISTINCT and join users.
        time_zones = Engineer.objects.filter(is_active=True).order_by().values_list("time_zone", flat=True).distinct()
        qs = qs.filter(free_window_filter(free_from, free_to, sorted(set(time_zones))))
    if opportunity is not None:
        qs = with_eligibility(qs, opportunity=opportunity, now=now)
        if eligible_only:
            qs = qs.filter(eligible_filter(opportunity=opportunity, now=now))
    qs = _with_match_score(qs, skills=[skill for skill, _level in required], preferred_regions=preferred_regions)
    # What a page shows of each engineer (solutions, skills, working hours) is loaded for the page
    # only, by engineers_for_display / engineers_for_board.
    return qs.order_by(*ORDERINGS[ordering]).select_related("user", "region", "delivery_centre")


def engineers_for_display(ids: Sequence[int]) -> dict[int, Engineer]:
    """Engineers by id with what a search result shows: user, region and delivery centre joined,
    and as plain lists ``solution_codes`` and ``skill_list`` (``{"code", "level"}``, by skill code).

    Three queries whatever the number; the lists come from rows, not model instances (a page of
    50 engineers holds some 250 skill levels, which cost more as objects than the search itself).
    """
    engineers = {
        engineer.pk: engineer
        for engineer in Engineer.objects.filter(pk__in=ids).select_related("user", "region", "delivery_centre")
    }
    attach_display_lists(engineers)
    return engineers


def engineers_for_board(ids: Sequence[int]) -> dict[int, Engineer]:
    """Engineers by id with what the search page and its schedule board show: user, region,
    delivery centre, solutions, skill levels and working hours."""
    levels = Prefetch("skill_levels", queryset=EngineerSkill.objects.select_related("skill"))
    engineers = (
        Engineer.objects.filter(pk__in=ids)
        .select_related("user", "region", "delivery_centre")
        .prefetch_related("working_hours", "solutions", levels)
    )
    return {engineer.pk: engineer for engineer in engineers}


def attach_display_lists(engineers: dict[int, Engineer]) -> None:
    """Set ``solution_codes`` and ``skill_list`` on each engineer (two queries)."""
    for engineer in engineers.values():
        engineer.solution_codes, engineer.skill_list = [], []
    held = Engineer.solutions.through.objects.filter(engineer_id__in=engineers).order_by("solution__code")
    for engineer_id, code in held.values_list("engineer_id", "solution__code"):
        engineers[engineer_id].solution_codes.append(code)
    levels = EngineerSkill.objects.filter(engineer_id__in=engineers).order_by("skill__code")
    for engineer_id, code, level in levels.values_list("engineer_id", "skill__code", "level"):
        engineers[engineer_id].skill_list.append({"code": code, "level": level})


def _with_match_score(qs: QuerySet[Engineer], *, skills: Sequence[Skill], preferred_regions) -> QuerySet[Engineer]:
    # The rate card is small: read it once and inline it as CASE expressions, instead of a
    # correlated subquery that the score would repeat per engineer.
    hourly_rate, cost_fit = _rate_card_expressions(
        tuple(Rate.objects.values_list("resource_type", "grade", "hourly_rate"))
    )
    if skills:
        held = (
            EngineerSkill.objects.filter(engineer=OuterRef("pk"), skill__in=list(skills))
            .values("engineer")
            .annotate(total=Sum("level"))
            .values("total")
        )
        skill_fit: Expression = Cast(Coalesce(Subquery(held), 0), FloatField()) / (5.0 * len(skills))
    else:
        skill_fit = _float(1.0)
    rating_fit = (Cast(F("rating_sum"), FloatField()) + RATING_PRIOR_COUNT * RATING_PRIOR_SCORE) / (
        (Cast(F("rating_count"), FloatField()) + RATING_PRIOR_COUNT) * 5.0
    )
    region_ids = [region.pk for region in preferred_regions]
    region_fit = (
        Case(When(region_id__in=region_ids, then=_float(1.0)), default=_float(0.0), output_field=FloatField())
        if region_ids
        else _float(1.0)
    )
    weights = MATCH_WEIGHTS
    return (
        qs.annotate(
            hourly_rate=hourly_rate,
            rating_mean=Case(
                When(
                    rating_count__gt=0, then=Cast(F("rating_sum"), FloatField()) / Cast(F("rating_count"), FloatField())
                ),
                default=None,
                output_field=FloatField(),
            ),
            skill_fit=ExpressionWrapper(skill_fit, output_field=FloatField()),
            rating_fit=ExpressionWrapper(rating_fit, output_field=FloatField()),
            region_fit=ExpressionWrapper(region_fit, output_field=FloatField()),
            cost_fit=ExpressionWrapper(cost_fit, output_field=FloatField()),
        )
        .alias(
            # Ranked by the exact score, shown rounded: rounding is decimal arithmetic, too dear
            # to run on every match, so PostgreSQL rounds after the sort, only the page's rows.
            match_rank=F("skill_fit") * weights["skill"]
            + F("rating_fit") * weights["rating"]
            + F("region_fit") * weights["region"]
            + F("cost_fit") * weights["cost"],
        )
        .annotate(match_score=Round(F("match_rank"), 1))
    )


def _float(value: float) -> Cast:
    """A double precision constant: a bare ``1.0`` is numeric in PostgreSQL, and a CASE of numerics
    made the whole score decimal arithmetic, several times slower per engineer than floats."""
    return Cast(Value(value), FloatField())


@functools.lru_cache(maxsize=8)
def _rate_card_expressions(card: tuple[tuple[str, str, Decimal], ...]) -> tuple[Case, Case]:
    """The hourly rate and the cost fit of an engineer under ``card``, built once per rate card
    (about a millisecond of each search); annotating copies them, never changes them."""
    cheapest = min((rate for _t, _g, rate in card), default=Decimal(1))
    hourly_rate = _by_rate_card(
        card, lambda rate: Value(rate), default=None, output_field=DecimalField(max_digits=10, decimal_places=2)
    )
    cost_fit = _by_rate_card(
        card,
        lambda rate: _float(float(cheapest / rate) if rate else 0.0),
        default=_float(0.0),
        output_field=FloatField(),
    )
    return hourly_rate, cost_fit


def _by_rate_card(card, value_of, *, default, output_field) -> Case:
    """A value per rate-card line as CASE on the resource type, then on the grade: a handful of
    comparisons per engineer instead of two per line (the search scores every match)."""
    by_type: dict[str, list[When]] = {}
    for resource_type, grade, rate in card:
        by_type.setdefault(resource_type, []).append(When(grade=grade, then=value_of(rate)))
    return Case(
        *(
            When(resource_type=resource_type, then=Case(*grades, default=default, output_field=output_field))
            for resource_type, grades in by_type.items()
        ),
        default=default,
        output_field=output_field,
    )


def engineer_grades() -> list[str]:
    """The grades engineers hold, for the search form's choices."""
    return list(Engineer.objects.order_by("grade").values_list("grade", flat=True).distinct())


def engineer_profile(*, user: User) -> Engineer | None:
    """The signed-in user's own engineer profile, with everything the schedule page shows."""
    return (
        Engineer.objects.filter(user=user)
        .select_related("user", "region")
        .prefetch_related(
            "solutions",
            "working_hours",
            Prefetch("skill_levels", queryset=EngineerSkill.objects.select_related("skill")),
        )
        .first()
    )


def upcoming_time_off(*, engineer: Engineer, now: dt.datetime | None = None) -> QuerySet[TimeOff]:
    """Time off not yet over: current absences included (intervals are half-open)."""
    return engineer.time_off.filter(end__gt=now or timezone.now()).order_by("start")


def bookings_visible_to(user: User) -> QuerySet[Booking]:
    """The bookings a user may see: a rep those on their opportunities, an engineer their own,
    a manager those in their regions, a lead the A/B work of their centre's solution, an admin
    all. Anything else answers 404."""
    qs = Booking.objects.all()
    if access.is_admin(user):
        return qs
    visible = Q(work_order__opportunity__owner=user) | Q(engineer__user=user)
    if access.is_manager(user):
        visible |= Q(work_order__opportunity__region__in=access.managed_regions(user))
    if access.is_lead(user):  # as presales.selectors.opportunity_list: their centre's A/B work
        visible |= Q(
            work_order__opportunity__project_class__in=[ProjectClass.A, ProjectClass.B]
        ) & access.leads_solution_q(user, "work_order__opportunity__solution")
    return qs.filter(visible)


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
    """A booking just made by ``booking_create`` opened its own work order, so it is that work
    order's first holding booking: what ``with_work_order_delay`` annotates is its own start.
    Saves re-reading it through that 9-table join, the dearest part of a booking request
    after the booking itself (bench/README.md, booking finding 1)."""
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
    qs = bookings_visible_to(user)
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
    qs = Booking.objects.filter(
        status__in=[BookingStatus.BOOKED, BookingStatus.ACKNOWLEDGED],
        work_order__opportunity__project_class__in=[ProjectClass.A, ProjectClass.B],
        work_order__opportunity__solution__delivery_centre__lead=user,
    )
    return with_work_order_delay(qs).select_related("rating").order_by("start", "pk")


# --- Page helpers: the schedule board, booking quotes, the rep's and engineer's booking lists ---

BOARD_HOURS = (8, 20)  # the board shows 08:00–20:00 of each day, organisation time
BOARD_DAYS = 7


@dataclass
class BoardHour:
    """One hour column of the board, organisation time. Every engineer's cell of the column
    shares it, so what a page derives from the hour (its labels) is worked out once."""

    start: dt.datetime
    end: dt.datetime
    labels: dict = field(default_factory=dict)


@dataclass(frozen=True)
class BoardCell:
    hour: BoardHour
    state: str  # "free", "booking", "time_off", "off" (not working) or "past"
    booking: Booking | None = None
    mine: bool = False  # the booking is on one of the viewer's opportunities

    @property
    def start(self) -> dt.datetime:
        return self.hour.start

    @property
    def end(self) -> dt.datetime:
        return self.hour.end


def week_start(day: dt.date) -> dt.date:
    """The Monday of the week holding ``day``."""
    return day - dt.timedelta(days=day.weekday())


def board_days(week: dt.date) -> list[dt.date]:
    return [week + dt.timedelta(days=offset) for offset in range(BOARD_DAYS)]


def _board_hours(day: dt.date, tz: zoneinfo.ZoneInfo) -> list[BoardHour]:
    first, last = BOARD_HOURS
    starts = [dt.datetime.combine(day, dt.time(hour), tzinfo=tz) for hour in range(first, last)]
    return [BoardHour(start, start + dt.timedelta(hours=1)) for start in starts]


def schedule_board(
    *, engineers: Sequence[Engineer], week: dt.date, user: User, now: dt.datetime | None = None
) -> list[dict]:
    """One row per engineer, one cell per board hour of the week, each drawn from the same
    availability the booking service checks. Queries do not grow with the number of engineers:
    the callers prefetch working hours and ``schedules`` reads bookings and time off once."""
    now = now or timezone.now()
    tz = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    days = board_days(week)
    start = dt.datetime.combine(days[0], dt.time(0), tzinfo=tz)
    end = dt.datetime.combine(days[-1] + dt.timedelta(days=1), dt.time(0), tzinfo=tz)
    found = schedules(list(engineers), start, end, with_bookings=True)
    hours = [_board_hours(day, tz) for day in days]
    rows = []
    for engineer in engineers:
        schedule = found[engineer.pk]
        cells = [[_cell(schedule, hour, user, now) for hour in day_hours] for day_hours in hours]
        rows.append({"engineer": engineer, "days": cells})
    return rows


def _cell(schedule: Schedule, hour: BoardHour, user: User, now: dt.datetime) -> BoardCell:
    start, end = hour.start, hour.end
    # Bookings before time off: a booking says more, and it is what the rep may act on.
    for kind in ("booking", "time_off"):
        for busy in schedule.busy:
            if busy.kind == kind and busy.start < end and busy.end > start:
                booking = busy.booking
                mine = booking is not None and booking.work_order.opportunity.owner_id == user.pk
                return BoardCell(hour, kind, booking, mine)
    if not calendar.covers(schedule.free, start, end):
        return BoardCell(hour, "off")
    return BoardCell(hour, "free" if start >= now else "past")


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
    hours = _hours(start, end)
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


def engineer_resource_types() -> list[str]:
    """The resource types engineers have, for the search form's choices."""
    return list(Engineer.objects.order_by("resource_type").values_list("resource_type", flat=True).distinct())


# --- When nobody is free at the desired time ----------------------------------------------------

EARLIEST_HORIZON = dt.timedelta(days=14)
EARLIEST_ENGINEERS = 5


@dataclass(frozen=True)
class FreeSlot:
    engineer: Engineer
    start: dt.datetime
    end: dt.datetime
    delay: Delay


def earliest_free_slots(
    *,
    engineers: Sequence[Engineer],
    desired_start: dt.datetime,
    length: dt.timedelta,
    slight_limit_hours: int,
    now: dt.datetime | None = None,
    horizon: dt.timedelta = EARLIEST_HORIZON,
) -> list[FreeSlot]:
    """Each engineer's earliest free slot of ``length`` at or after the desired start (within
    ``horizon``), with the delay taking it would cause; soonest first. Engineers with no such
    slot are left out. The same availability the booking service checks, three queries."""
    now = now or timezone.now()
    earliest = max(desired_start, now)
    found = schedules(list(engineers), earliest, earliest + horizon)
    slots = []
    for engineer in engineers:
        for free_start, free_end in found[engineer.pk].free:
            start = max(free_start, earliest)
            if free_end - start >= length:
                delay = classify_delay(
                    desired_start=desired_start, first_start=start, slight_limit_hours=slight_limit_hours, at=now
                )
                slots.append(FreeSlot(engineer, start, start + length, delay))
                break
    return sorted(slots, key=lambda slot: (slot.start, slot.engineer.pk))
