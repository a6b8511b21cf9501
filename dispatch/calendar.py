"""Calendar arithmetic on half-open intervals [start, end) of aware datetimes.

Working hours are wall-clock times in the engineer's time zone. They are turned into real
instants one local day at a time with zoneinfo, so a working day across a daylight-saving
change is 8 real hours or 7 or 9 as the clock says, and a day that runs to midnight (an end of
00:00) ends at the next local midnight, whatever its offset.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

MIDNIGHT = dt.time(0, 0)
Interval = tuple[dt.datetime, dt.datetime]


@dataclass(frozen=True)
class Block:
    """Working time on an ISO weekday, local to the engineer; an end of 00:00 is midnight."""

    weekday: int
    start: dt.time
    end: dt.time


def _local(day: dt.date, time: dt.time, tz: zoneinfo.ZoneInfo) -> dt.datetime:
    # Round-trip through UTC: a wall time inside a spring-forward gap is read with the offset
    # before the change (02:30 becomes 03:30), and an ambiguous one (autumn) is its first occurrence.
    naive = dt.datetime.combine(day, time)
    return naive.replace(tzinfo=tz).astimezone(dt.UTC).astimezone(tz)


def block_interval(block: Block, day: dt.date, tz: zoneinfo.ZoneInfo) -> Interval:
    """The block's real instants on ``day``, in UTC.

    UTC because aware datetimes sharing one tzinfo subtract and compare on the wall clock: a
    22:00–06:00 Berlin night across the spring change would otherwise count 8 hours, not 7.
    """
    start = _local(day, block.start, tz)
    end = _local(day + dt.timedelta(days=1), MIDNIGHT, tz) if block.end == MIDNIGHT else _local(day, block.end, tz)
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Sorted union; touching intervals ([a, b) and [b, c)) join into one."""
    merged: list[list[dt.datetime]] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(start, end) for start, end in merged]


def working_intervals(
    blocks: Sequence[Block], tz: zoneinfo.ZoneInfo, start: dt.datetime, end: dt.datetime
) -> list[Interval]:
    """The engineer's working time within [start, end), merged and clipped."""
    first = start.astimezone(tz).date() - dt.timedelta(days=1)
    last = end.astimezone(tz).date()
    by_weekday: dict[int, list[Block]] = {}
    for block in blocks:
        by_weekday.setdefault(block.weekday, []).append(block)
    found = []
    day = first
    while day <= last:
        for block in by_weekday.get(day.isoweekday(), ()):
            block_start, block_end = block_interval(block, day, tz)
            if block_start < end and block_end > start:
                found.append((max(block_start, start), min(block_end, end)))
        day += dt.timedelta(days=1)
    return merge(found)


def subtract(intervals: Sequence[Interval], busy: Iterable[Interval]) -> list[Interval]:
    """What is left of ``intervals`` (merged) once every busy interval is taken out."""
    free = list(intervals)
    for busy_start, busy_end in merge(busy):
        remaining = []
        for start, end in free:
            if busy_end <= start or busy_start >= end:
                remaining.append((start, end))
                continue
            if start < busy_start:
                remaining.append((start, busy_start))
            if busy_end < end:
                remaining.append((busy_end, end))
        free = remaining
    return free


def covers(intervals: Sequence[Interval], start: dt.datetime, end: dt.datetime) -> bool:
    """Whether one of the merged ``intervals`` holds the whole of [start, end)."""
    return any(i_start <= start and end <= i_end for i_start, i_end in merge(intervals))


@dataclass(frozen=True)
class LocalPiece:
    """The part of a window that falls on one local day, as wall-clock times.

    ``to_midnight`` marks a piece that runs to the end of its day (its ``end`` is then 00:00).
    """

    weekday: int
    start: dt.time
    end: dt.time
    to_midnight: bool


def local_pieces(start: dt.datetime, end: dt.datetime, tz: zoneinfo.ZoneInfo) -> list[LocalPiece]:
    """Split [start, end) at local midnights; what the database search matches working hours on.

    Working hours are merged per weekday when saved, so a window is inside working time exactly
    when each of its pieces lies inside one block of its weekday.
    """
    pieces = []
    cursor = start.astimezone(tz)
    stop = end.astimezone(tz)
    # Compared in UTC: in the autumn's repeated hour 02:30 (first) is before 02:15 (second),
    # which a comparison of two times of the same zone, made on the wall clock, gets wrong.
    while cursor.astimezone(dt.UTC) < stop.astimezone(dt.UTC):
        next_midnight = _local(cursor.date() + dt.timedelta(days=1), MIDNIGHT, tz)
        to_midnight = next_midnight.astimezone(dt.UTC) <= stop.astimezone(dt.UTC)
        piece_end = next_midnight if to_midnight else stop
        pieces.append(
            LocalPiece(
                weekday=cursor.isoweekday(),
                start=cursor.time().replace(tzinfo=None),
                end=MIDNIGHT if to_midnight else piece_end.time().replace(tzinfo=None),
                to_midnight=to_midnight,
            )
        )
        cursor = piece_end
    return pieces
