"""When an engineer is busy and free: the one place that decides it, for pages, API and services."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from dispatch import calendar
from dispatch.calendar import Block, Interval
from dispatch.models import HOLDING_STATUSES, Booking, BookingStatus, Engineer, TimeOff, WorkingHours
from presales.core.db import TstzRange
from presales.money import money

# The time windows the product takes, in one place: a booking or grab order lasts at least
# MIN_WINDOW (shorter is a typo, billed 0.00 hours) and at most MAX_WINDOW, which also bounds the
# search's free window: the free-window test's cost grows with the window's length, and a
# long window runs into the request's statement timeout (bench/README.md).
MIN_WINDOW = dt.timedelta(minutes=15)
MAX_WINDOW = dt.timedelta(days=31)


@dataclass(frozen=True)
class Busy:
    start: dt.datetime
    end: dt.datetime
    kind: str  # "booking" or "time_off"
    booking: Booking | None = None


@dataclass(frozen=True)
class Schedule:
    engineer: Engineer
    start: dt.datetime
    end: dt.datetime
    working: list[Interval]
    busy: list[Busy]
    free: list[Interval]


def blocks_of(engineer: Engineer) -> list[Block]:
    # Uses the prefetched working hours when the caller prefetched them.
    return [Block(wh.weekday, wh.start, wh.end) for wh in engineer.working_hours.all()]


def overlapping(queryset: QuerySet, start: dt.datetime, end: dt.datetime) -> QuerySet:
    """Rows whose half-open [start, end) meets the given one (touching ends do not)."""
    return queryset.filter(start__lt=end, end__gt=start)


def holding_bookings(engineers: Iterable[Engineer] | Engineer) -> QuerySet[Booking]:
    engineers = [engineers] if isinstance(engineers, Engineer) else list(engineers)
    return Booking.objects.filter(engineer__in=engineers, status__in=HOLDING_STATUSES)


def schedules(
    engineers: list[Engineer], start: dt.datetime, end: dt.datetime, *, with_bookings: bool = False
) -> dict[int, Schedule]:
    """Working time, busy and free intervals of each engineer over [start, end).

    Three queries whatever the number of engineers: working hours (prefetched by the caller or
    here), the bookings and the time off that meet the range.
    """
    ids = [engineer.pk for engineer in engineers]
    bookings = overlapping(Booking.objects.filter(engineer_id__in=ids, status__in=HOLDING_STATUSES), start, end)
    if with_bookings:
        bookings = bookings.select_related("work_order__opportunity__owner")
    busy: dict[int, list[Busy]] = {pk: [] for pk in ids}
    for booking in bookings.order_by("start"):
        busy[booking.engineer_id].append(Busy(booking.start, booking.end, "booking", booking))
    for leave in overlapping(TimeOff.objects.filter(engineer_id__in=ids), start, end).order_by("start"):
        busy[leave.engineer_id].append(Busy(leave.start, leave.end, "time_off"))
    result = {}
    for engineer in engineers:
        working = calendar.working_intervals(blocks_of(engineer), engineer.tz, start, end)
        engineer_busy = sorted(busy[engineer.pk], key=lambda b: (b.start, b.end))
        free = calendar.subtract(working, [(b.start, b.end) for b in engineer_busy])
        result[engineer.pk] = Schedule(engineer, start, end, working, engineer_busy, free)
    return result


def unavailability(
    engineer: Engineer, start: dt.datetime, end: dt.datetime, *, ignore_booking: int | None = None
) -> str | None:
    """Why the engineer cannot take [start, end), or None when they can.

    Callers that write a booking call this under the engineer's row lock, so the answer still
    holds when they insert.
    """
    working = calendar.working_intervals(blocks_of(engineer), engineer.tz, start, end)
    if not calendar.covers(working, start, end):
        return _("%(engineer)s does not work at that time.") % {"engineer": engineer.name}
    if overlapping(TimeOff.objects.filter(engineer=engineer), start, end).exists():
        return _("%(engineer)s is on leave at that time.") % {"engineer": engineer.name}
    clashes = overlapping(holding_bookings(engineer), start, end)
    if ignore_booking is not None:
        clashes = clashes.exclude(pk=ignore_booking)
    if clashes.exists():
        return _("%(engineer)s is already booked at that time.") % {"engineer": engineer.name}
    return None


def free_window_filter(start: dt.datetime, end: dt.datetime, time_zones: Iterable[str]) -> Q:
    """A filter on Engineer: free for the whole of [start, end), evaluated by the database.

    Working hours are matched per local day of the window in each time zone engineers use
    (blocks are merged when saved, so one block must hold each piece); bookings and time off
    must not overlap. No engineer is loaded into Python.
    """
    # Zones whose local pieces are the same (Shanghai and Singapore, say) share one condition:
    # each condition is a pass over the working hours, the costliest part of the search.
    zones_by_pieces: dict[tuple[calendar.LocalPiece, ...], list[str]] = defaultdict(list)
    for name in time_zones:
        zones_by_pieces[tuple(calendar.local_pieces(start, end, zoneinfo.ZoneInfo(name)))].append(name)
    in_hours = Q(pk__in=[])
    for pieces, names in zones_by_pieces.items():
        zone_q = Q(time_zone__in=names)
        for piece in pieces:
            block = WorkingHours.objects.filter(engineer=OuterRef("pk"), weekday=piece.weekday, start__lte=piece.start)
            block = (
                block.filter(end=calendar.MIDNIGHT)
                if piece.to_midnight
                else block.filter(Q(end=calendar.MIDNIGHT) | Q(end__gte=piece.end))
            )
            zone_q &= Exists(block)
        in_hours |= zone_q
    # NOT IN over the distinct busy engineers, not NOT EXISTS: the set is found once through an
    # index and hashed (at most one row per engineer, so it always fits), and the plan cannot
    # turn into an index probe per engineer, which the planner chose when it misjudged how many
    # engineers the working-hours test keeps (bench/README.md, search item 1).
    away = overlapping(TimeOff.objects.all(), start, end)
    return in_hours & ~Q(pk__in=engineer_ids(_bookings_overlapping(start, end))) & ~Q(pk__in=engineer_ids(away))


def engineer_ids(rows: QuerySet) -> QuerySet:
    """The distinct ``engineer_id`` of ``rows``, as a subquery for ``pk__in``."""
    return rows.order_by().values("engineer_id").distinct()


def _bookings_overlapping(start: dt.datetime, end: dt.datetime) -> QuerySet[Booking]:
    """Slot-holding bookings that meet [start, end).

    On PostgreSQL as ``tstzrange(start, end) && window`` with ``status <> 'cancelled'``: the very
    expression and predicate of the GiST index (migration 0007), which the plain
    ``start < b AND end > a`` cannot use; without it the search probes every engineer.
    """
    if connection.vendor == "postgresql":
        return (
            Booking.objects.exclude(status=BookingStatus.CANCELLED)
            .alias(span=TstzRange("start", "end"))
            .filter(span__overlap=(start, end))
        )
    return overlapping(Booking.objects.filter(status__in=HOLDING_STATUSES), start, end)


def available_hours(engineers: QuerySet[Engineer], start: dt.datetime, end: dt.datetime) -> dict[int, Decimal]:
    """Working hours of each engineer in [start, end) minus time off. Three queries of plain
    rows; the calendar arithmetic runs once per distinct (time zone, working week), which most
    engineers share, then only those on leave are adjusted."""
    zones = dict(engineers.order_by().values_list("pk", "time_zone"))
    weeks: dict[int, list[Block]] = defaultdict(list)
    for engineer_id, weekday, block_start, block_end in (
        WorkingHours.objects.filter(engineer_id__in=zones)
        .order_by("weekday", "start")
        .values_list("engineer_id", "weekday", "start", "end")
    ):
        weeks[engineer_id].append(Block(weekday, block_start, block_end))
    leave: dict[int, list] = defaultdict(list)
    for engineer_id, leave_start, leave_end in TimeOff.objects.filter(
        engineer_id__in=zones, start__lt=end, end__gt=start
    ).values_list("engineer_id", "start", "end"):
        leave[engineer_id].append((leave_start, leave_end))
    shared: dict[tuple, list] = {}
    result = {}
    for engineer_id, zone in zones.items():
        key = (zone, tuple(weeks.get(engineer_id, ())))
        if key not in shared:
            shared[key] = calendar.working_intervals(key[1], zoneinfo.ZoneInfo(zone), start, end)
        free = calendar.subtract(shared[key], leave[engineer_id]) if engineer_id in leave else shared[key]
        result[engineer_id] = money(Decimal(sum((b - a).total_seconds() for a, b in free)) / 3600)
    return result
