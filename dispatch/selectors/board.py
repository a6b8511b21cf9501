"""Reads of the schedule board: each engineer's hours of a week, and the earliest free slots when
nobody is free at the desired time."""

import datetime as dt
import itertools
import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from dispatch import calendar
from dispatch.availability import Schedule, schedules
from dispatch.delay import Delay, classify_delay
from dispatch.models import Booking, Engineer
from presales.models import User

# --- Page helpers: the schedule board, booking quotes, the rep's and engineer's booking lists ---

BOARD_HOURS = (8, 20)  # the board shows 08:00–20:00 of each day, organisation time
BOARD_DAYS = 7
SNAP = dt.timedelta(minutes=15)  # what a selection on the board snaps to


@dataclass(frozen=True)
class Segment:
    """One stretch of an engineer's board day in a single state, placed by percentage of the
    board's hours so that a row is a few elements whatever the precision of the bookings."""

    start: dt.datetime
    end: dt.datetime
    state: str  # "free", "booking", "time_off", "off" (not working) or "past"
    left: float  # percent of the board day before it
    width: float  # percent of the board day it covers
    booking: Booking | None = None
    mine: bool = False  # the booking is on one of the viewer's opportunities


def week_start(day: dt.date) -> dt.date:
    """The Monday of the week holding ``day``."""
    return day - dt.timedelta(days=day.weekday())


def board_days(week: dt.date) -> list[dt.date]:
    return [week + dt.timedelta(days=offset) for offset in range(BOARD_DAYS)]


def board_window(day: dt.date, tz: dt.tzinfo) -> tuple[dt.datetime, dt.datetime]:
    first, last = BOARD_HOURS
    return dt.datetime.combine(day, dt.time(first), tzinfo=tz), dt.datetime.combine(day, dt.time(last), tzinfo=tz)


def percent(moment: dt.datetime, day: dt.date, tz: dt.tzinfo) -> float:
    """Where ``moment`` falls on the board day, 0–100 (clamped)."""
    start, end = board_window(day, tz)
    share = (moment - start) / (end - start)
    return round(min(max(share, 0.0), 1.0) * 100, 3)


def schedule_board(
    *,
    engineers: Sequence[Engineer],
    week: dt.date,
    user: User,
    now: dt.datetime | None = None,
    days: Sequence[dt.date] | None = None,
) -> list[dict]:
    """One row per engineer, each day of the week (or only ``days``) as its segments, drawn from
    the same availability the booking service checks. Queries do not grow with the number of
    engineers: the callers prefetch working hours and ``schedules`` reads bookings and time off once."""
    now = now or timezone.now()
    tz = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    days = list(days) if days is not None else board_days(week)
    start = dt.datetime.combine(days[0], dt.time(0), tzinfo=tz)
    end = dt.datetime.combine(days[-1] + dt.timedelta(days=1), dt.time(0), tzinfo=tz)
    found = schedules(list(engineers), start, end, with_bookings=True)
    return [
        {"engineer": engineer, "days": [day_segments(found[engineer.pk], day, tz, user, now) for day in days]}
        for engineer in engineers
    ]


def day_segments(schedule: Schedule, day: dt.date, tz: dt.tzinfo, user: User, now: dt.datetime) -> list[Segment]:
    """The board day cut at every change of state; adjacent pieces in the same state (the same
    booking) are one segment."""
    day_start, day_end = board_window(day, tz)
    cuts = {day_start, day_end, now}
    cuts |= {edge for busy in schedule.busy for edge in (busy.start, busy.end)}
    cuts |= {edge for interval in schedule.free for edge in interval}
    points = sorted(cut for cut in cuts if day_start <= cut <= day_end)
    segments: list[Segment] = []
    for start, end in itertools.pairwise(points):
        state, booking, mine = _state(schedule, start, end, user, now)
        last = segments[-1] if segments else None
        if last is not None and (last.state, last.booking) == (state, booking):
            start = last.start
            segments.pop()
        left = percent(start, day, tz)
        segments.append(Segment(start, end, state, left, round(percent(end, day, tz) - left, 3), booking, mine))
    return segments


def _state(schedule: Schedule, start: dt.datetime, end: dt.datetime, user: User, now: dt.datetime) -> tuple:
    # Bookings before time off: a booking says more, and it is what the rep may act on.
    for kind in ("booking", "time_off"):
        for busy in schedule.busy:
            if busy.kind == kind and busy.start < end and busy.end > start:
                booking = busy.booking
                mine = booking is not None and booking.work_order.opportunity.owner_id == user.pk
                return kind, booking, mine
    if not calendar.covers(schedule.free, start, end):
        return "off", None, False
    return ("free" if start >= now else "past"), None, False


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
