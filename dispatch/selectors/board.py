"""Reads of the schedule board: each engineer's hours of a week, and the earliest free slots when
nobody is free at the desired time."""

import datetime as dt
import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass, field

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
