"""Reads of engineers: the search reps run, and an engineer's own schedule."""

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

from django.db.models import (
    Case,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    Min,
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

from dispatch.availability import free_window_filter
from dispatch.delay import Delay, classify_delay
from dispatch.models import HOLDING_STATUSES, Booking, Engineer, EngineerSkill, TimeOff
from presales.choices import ProjectClass, Role
from presales.exceptions import ValidationFailed
from presales.models import Opportunity, Rate, Region, Skill, Solution, User

MISSING = object()

# Weights of the match score (0–100), documented in the README: skill fit matters most, then
# what reps said of the engineer, then being local, then cost.
MATCH_WEIGHTS = {"skill": 40, "rating": 30, "region": 15, "cost": 15}
# Ratings are shrunk towards a neutral 3 as if everyone had two 3-star ratings already, so one
# lucky 5 does not outrank a long record of 4.5.
RATING_PRIOR_COUNT, RATING_PRIOR_SCORE = 2, 3
ORDERINGS = {
    "match": ("-match_score", "user__display_name", "pk"),
    "rate": ("hourly_rate", "-match_score", "pk"),
    "-rating": (F("rating_mean").desc(nulls_last=True), "-rating_count", "pk"),
    "name": ("user__display_name", "pk"),
}


def engineer_search(
    *,
    solution: Solution | None = None,
    skills: Sequence[Skill] = (),
    min_level: int | None = None,
    region: Region | None = None,
    grade: str | None = None,
    resource_type: str | None = None,
    min_rating: Decimal | float | None = None,
    free_from: dt.datetime | None = None,
    free_to: dt.datetime | None = None,
    preferred_regions: Sequence[Region] = (),
    ordering: str = "match",
) -> QuerySet[Engineer]:
    """Active engineers matching every criterion, scored and ordered, all in the database.

    Each skill must be held at ``min_level`` or above (``min_level`` alone: any skill at that
    level). With ``free_from``/``free_to`` only engineers free for the whole window are kept:
    inside working hours, not on leave, no booking overlapping. The score's parts are annotated
    (``skill_fit``, ``rating_fit``, ``region_fit``, ``cost_fit``) so pages can explain it.
    """
    if (free_from is None) != (free_to is None):
        raise ValidationFailed(fields={"free_to": [_("Give both ends of the free window.")]})
    if free_from is not None and free_to <= free_from:
        raise ValidationFailed(fields={"free_to": [_("The window must end after it starts.")]})
    if ordering not in ORDERINGS:
        raise ValidationFailed(fields={"ordering": [_("Unknown ordering.")]})
    qs = Engineer.objects.filter(is_active=True)
    if solution is not None:
        qs = qs.filter(Exists(Engineer.solutions.through.objects.filter(engineer=OuterRef("pk"), solution=solution)))
    for skill in skills:
        level = EngineerSkill.objects.filter(engineer=OuterRef("pk"), skill=skill, level__gte=min_level or 1)
        qs = qs.filter(Exists(level))
    if min_level is not None and not skills:
        qs = qs.filter(Exists(EngineerSkill.objects.filter(engineer=OuterRef("pk"), level__gte=min_level)))
    if region is not None:
        qs = qs.filter(region=region)
    if grade:
        qs = qs.filter(grade=grade)
    if resource_type:
        qs = qs.filter(resource_type=resource_type)
    if min_rating is not None:
        # sum ≥ min × count, in integers and decimals: no float rounding at the boundary.
        qs = qs.filter(rating_count__gt=0, rating_sum__gte=F("rating_count") * Value(Decimal(str(min_rating))))
    if free_from is not None:
        time_zones = Engineer.objects.filter(is_active=True).values_list("time_zone", flat=True).distinct()
        qs = qs.filter(free_window_filter(free_from, free_to, sorted(set(time_zones))))
    qs = _with_match_score(qs, skills=skills, preferred_regions=preferred_regions)
    return (
        qs.order_by(*ORDERINGS[ordering])
        .select_related("user", "region")
        .prefetch_related("solutions", Prefetch("skill_levels", queryset=EngineerSkill.objects.select_related("skill")))
    )


def _with_match_score(qs: QuerySet[Engineer], *, skills: Sequence[Skill], preferred_regions) -> QuerySet[Engineer]:
    rate = Rate.objects.filter(resource_type=OuterRef("resource_type"), grade=OuterRef("grade")).values("hourly_rate")
    cheapest = Rate.objects.aggregate(low=Min("hourly_rate"))["low"] or Decimal(1)
    if skills:
        held = (
            EngineerSkill.objects.filter(engineer=OuterRef("pk"), skill__in=list(skills))
            .values("engineer")
            .annotate(total=Sum("level"))
            .values("total")
        )
        skill_fit = Cast(Coalesce(Subquery(held), 0), FloatField()) / (5.0 * len(skills))
    else:
        skill_fit = Value(1.0)
    rating_fit = (Cast(F("rating_sum"), FloatField()) + RATING_PRIOR_COUNT * RATING_PRIOR_SCORE) / (
        (Cast(F("rating_count"), FloatField()) + RATING_PRIOR_COUNT) * 5.0
    )
    region_ids = [region.pk for region in preferred_regions]
    region_fit = (
        Case(When(region_id__in=region_ids, then=Value(1.0)), default=Value(0.0), output_field=FloatField())
        if region_ids
        else Value(1.0)
    )
    cost_fit = Value(float(cheapest)) / Cast(Coalesce(F("hourly_rate"), Value(Decimal(1))), FloatField())
    weights = MATCH_WEIGHTS
    return qs.annotate(
        hourly_rate=Subquery(rate[:1]),
        rating_mean=Case(
            When(rating_count__gt=0, then=Cast(F("rating_sum"), FloatField()) / Cast(F("rating_count"), FloatField())),
            default=None,
            output_field=FloatField(),
        ),
        skill_fit=ExpressionWrapper(skill_fit, output_field=FloatField()),
        rating_fit=ExpressionWrapper(rating_fit, output_field=FloatField()),
        region_fit=ExpressionWrapper(region_fit, output_field=FloatField()),
        cost_fit=ExpressionWrapper(cost_fit, output_field=FloatField()),
    ).annotate(
        match_score=Round(
            F("skill_fit") * weights["skill"]
            + F("rating_fit") * weights["rating"]
            + F("region_fit") * weights["region"]
            + F("cost_fit") * weights["cost"],
            1,
        )
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
    a manager those in their regions, a lead A/B work, an admin all. Anything else answers 404."""
    qs = Booking.objects.all()
    if user.has_role(Role.ADMIN):
        return qs
    visible = Q(work_order__opportunity__owner=user) | Q(engineer__user=user)
    if user.has_role(Role.MANAGER):
        visible |= Q(work_order__opportunity__region__in=user.regions.all())
    if user.has_role(Role.LEAD):  # as presales.selectors.opportunity_list: A/B work
        visible |= Q(work_order__opportunity__project_class__in=[ProjectClass.A, ProjectClass.B])
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
        "engineer__user", "engineer__region", "work_order__opportunity__owner", "work_order__opportunity__solution"
    ).annotate(work_order_first_start=Subquery(first_start))


def booking_delay(booking: Booking, *, now: dt.datetime | None = None) -> Delay:
    """The delay of the booking's work order; uses the annotation when present."""
    first_start = getattr(booking, "work_order_first_start", MISSING)
    if first_start is MISSING:
        first_start = booking.work_order.bookings.filter(status__in=HOLDING_STATUSES).aggregate(m=Min("start"))["m"]
    return classify_delay(
        desired_start=booking.work_order.desired_start,
        first_start=first_start,
        slight_limit_hours=booking.work_order.opportunity.solution.slight_delay_hours,
        now=now or timezone.now(),
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
