"""Writes of engineers: profile, solutions, skills, working hours and time off."""

import datetime as dt
import secrets

from django.db import models, transaction
from django.utils.translation import gettext as _

from dispatch.models import MIDNIGHT, Engineer, EngineerSkill, TimeOff, WorkingHours
from presales import access
from presales.core.db import lock, lock_if_any
from presales.exceptions import PermissionDenied, ValidationFailed
from presales.models import Rate, Region, Skill, Solution, User


@transaction.atomic
def engineer_upsert(
    *,
    user: User,
    region: Region,
    resource_type: str,
    grade: str,
    time_zone: str,
    solutions: list[Solution],
    skills: dict[Skill, int],
    working_hours: list[tuple[int, dt.time, dt.time]],
    time_off: list[tuple[dt.datetime, dt.datetime]],
    home_office: str = "",
) -> Engineer:
    """Create an engineer's profile or make it exactly this one.

    Bookings price themselves from the rate card, so a resource type × grade without a rate is
    refused. Unchanged skills, hours and time off are kept, so history shows only real changes.
    """
    _check_profile(user=user, resource_type=resource_type, grade=grade)
    if any(end <= start and end != MIDNIGHT for _day, start, end in working_hours):
        raise ValidationFailed(fields={"working_hours": [_("Working hours must end after they start.")]})
    _check_intervals("time_off", time_off)
    if any(not 1 <= day <= 7 for day, _start, _end in working_hours):
        raise ValidationFailed(fields={"working_hours": [_("Weekdays are 1 (Monday) to 7 (Sunday).")]})
    working_hours = merge_working_hours(working_hours)
    engineer = lock_if_any(Engineer.objects.all(), user=user) or Engineer(user=user)
    engineer.region, engineer.home_office, engineer.time_zone = region, home_office, time_zone
    engineer.resource_type, engineer.grade = resource_type, grade
    engineer.full_clean()
    engineer.save()
    engineer.solutions.set(solutions)
    _replace(engineer.skill_levels, EngineerSkill, [{"skill": s, "level": level} for s, level in skills.items()])
    _replace(engineer.working_hours, WorkingHours, [{"weekday": d, "start": s, "end": e} for d, s, e in working_hours])
    _replace(engineer.time_off, TimeOff, [{"start": start, "end": end} for start, end in time_off])
    return engineer


@transaction.atomic
def engineer_rotate_calendar_token(*, engineer: Engineer, by: User) -> Engineer:
    """Give the engineer a new calendar feed URL; the old one stops working at once.

    For a feed URL that leaked or was shared by mistake: only the engineer or an admin may.
    """
    if not (access.is_engineer_user(by, engineer) or access.is_admin(by)):
        raise PermissionDenied(_("Only the engineer or an admin can renew the calendar link."))
    engineer = lock(Engineer.objects.all(), pk=engineer.pk)
    engineer.calendar_token = secrets.token_urlsafe()
    engineer.save(update_fields=["calendar_token"])
    return engineer


def merge_working_hours(blocks: list[tuple[int, dt.time, dt.time]]) -> list[tuple[int, dt.time, dt.time]]:
    """Join overlapping or touching blocks of a weekday (09–12 and 12–18 become 09–18).

    The free-window search matches each day of a window against one block, so blocks are kept
    merged; an end of 00:00 (midnight) sorts after every other time.
    """

    def end_key(end: dt.time) -> dt.time:
        return dt.time.max if end == MIDNIGHT else end

    merged: list[list] = []
    for day, start, end in sorted(blocks, key=lambda b: (b[0], b[1], end_key(b[2]))):
        if merged and merged[-1][0] == day and start <= end_key(merged[-1][2]):
            if end_key(end) > end_key(merged[-1][2]):
                merged[-1][2] = end
        else:
            merged.append([day, start, end])
    return [tuple(block) for block in merged]


def _check_profile(*, user: User, resource_type: str, grade: str) -> None:
    if not access.is_engineer(user):
        raise ValidationFailed(fields={"user": [_("%(user)s is not an engineer.") % {"user": user.username}]})
    if not Rate.objects.filter(resource_type=resource_type, grade=grade).exists():
        message = _("The rate card has no rate for %(type)s / %(grade)s.") % {"type": resource_type, "grade": grade}
        raise ValidationFailed(fields={"grade": [message]})


def _check_intervals(field: str, intervals: list[tuple]) -> None:
    if any(end <= start for start, end in intervals):
        raise ValidationFailed(fields={field: [_("Every interval must end after it starts.")]})


def _replace(related: models.Manager, model: type[models.Model], rows: list[dict]) -> None:
    """Make the engineer's related rows exactly ``rows``, touching only those that differ."""
    wanted = {tuple(row.values()): row for row in rows}
    names = list(rows[0]) if rows else []
    kept = set()
    for obj in related.all():
        key = tuple(getattr(obj, name) for name in names)
        if key in wanted and key not in kept:
            kept.add(key)
        else:
            obj.delete()
    for key, row in wanted.items():
        if key not in kept:
            # A related manager's instance, which django-stubs leaves out of RelatedManager.
            obj = model(engineer=related.instance, **row)  # type: ignore[attr-defined]
            obj.full_clean()
            obj.save()
