"""Reads of engineers: the search reps run, and an engineer's own schedule."""

import datetime as dt

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from dispatch.models import Engineer, EngineerSkill, TimeOff
from presales.models import Region, Skill, Solution, User


def engineer_search(
    *,
    solution: Solution | None = None,
    skill: Skill | None = None,
    min_level: int | None = None,
    region: Region | None = None,
    grade: str | None = None,
) -> QuerySet[Engineer]:
    """Active engineers matching every given criterion, filtered in the database.

    ``skill`` and ``min_level`` constrain the same skill row: with both, the engineer holds
    that skill at ``min_level`` or above; ``min_level`` alone means any skill at that level.
    """
    qs = Engineer.objects.filter(is_active=True)
    if solution is not None:
        qs = qs.filter(solutions=solution)
    skill_filter = {}
    if skill is not None:
        skill_filter["skill_levels__skill"] = skill
    if min_level is not None:
        skill_filter["skill_levels__level__gte"] = min_level
    if skill_filter:
        qs = qs.filter(**skill_filter)
    if region is not None:
        qs = qs.filter(region=region)
    if grade:
        qs = qs.filter(grade=grade)
    return (
        qs.distinct()
        .select_related("user", "region")
        .prefetch_related("solutions", Prefetch("skill_levels", queryset=EngineerSkill.objects.select_related("skill")))
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
