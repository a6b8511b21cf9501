"""Reads of engineers: the search reps run (filters, match score, rate card), their display
rows and profiles."""

import datetime as dt
import functools
from collections.abc import Sequence
from decimal import Decimal

from django.db.models import (
    Case,
    DecimalField,
    Expression,
    ExpressionWrapper,
    F,
    FloatField,
    OrderBy,
    OuterRef,
    Prefetch,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Round
from django.utils import timezone
from django.utils.translation import gettext as _

from dispatch.availability import MAX_WINDOW, engineer_ids, free_window_filter
from dispatch.models import Engineer, EngineerSkill, TimeOff
from dispatch.tiered.eligibility import eligible_filter, with_eligibility
from presales.exceptions import ValidationFailed
from presales.models import Opportunity, Rate, Region, Skill, Solution, User

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


def check_free_window(free_from: dt.datetime | None, free_to: dt.datetime | None) -> None:
    """The search's free window: both ends or neither, the end after the start, at most 31 days.

    Raises ValidationFailed on ``free_to``; the find page, which builds the window from a day
    and two times, shows the same message on its end time.
    """
    if (free_from is None) != (free_to is None):
        raise ValidationFailed(fields={"free_to": [_("Give both ends of the free window.")]})
    if free_from is not None and free_to is not None:
        length = free_to.astimezone(dt.UTC) - free_from.astimezone(dt.UTC)  # instants, not wall clocks
        if length <= dt.timedelta(0):
            raise ValidationFailed(fields={"free_to": [_("The window must end after it starts.")]})
        if length > MAX_WINDOW:
            raise ValidationFailed(fields={"free_to": [_("The free window is at most 31 days long.")]})


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
    check_free_window(free_from, free_to)
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


def engineer_resource_types() -> list[str]:
    """The resource types engineers have, for the search form's choices."""
    return list(Engineer.objects.order_by("resource_type").values_list("resource_type", flat=True).distinct())
