"""Calendar arithmetic and availability: night shifts, daylight-saving changes, time zones, and
the database's free-window search agreeing with the Python answer."""

import datetime as dt
import zoneinfo
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from budgeting.tests.factories import open_budget
from dispatch import calendar
from dispatch.availability import schedules, unavailability
from dispatch.calendar import Block, LocalPiece
from dispatch.models import HOLDING_STATUSES, Booking, BookingStatus, WorkOrder
from dispatch.selectors.engineers import engineer_search
from dispatch.services.engineers import merge_working_hours
from dispatch.tests.engineers import make_engineer, make_opportunity
from presales.choices import Activity, PresalesStage

UTC = dt.UTC
SHANGHAI_TZ = zoneinfo.ZoneInfo("Asia/Shanghai")
BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
MIDNIGHT = dt.time(0)
EVERY_DAY = range(1, 8)


def at(tz, *args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=tz)


def utc(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


def hours(intervals) -> float:
    return sum((end.astimezone(UTC) - start.astimezone(UTC)).total_seconds() for start, end in intervals) / 3600


# --- Night shifts: an end of 00:00 is midnight ----------------------------------------------

NIGHT_SHIFT = [Block(1, dt.time(22), MIDNIGHT), Block(2, MIDNIGHT, dt.time(6))]  # Monday night


def test_an_end_of_midnight_is_the_next_local_midnight():
    start, end = calendar.block_interval(Block(1, dt.time(22), MIDNIGHT), dt.date(2026, 4, 6), SHANGHAI_TZ)
    assert (start, end) == (at(SHANGHAI_TZ, 2026, 4, 6, 22), at(SHANGHAI_TZ, 2026, 4, 7))


def test_a_night_shift_across_midnight_is_one_working_interval():
    working = calendar.working_intervals(
        NIGHT_SHIFT, SHANGHAI_TZ, at(SHANGHAI_TZ, 2026, 4, 6, 12), at(SHANGHAI_TZ, 2026, 4, 7, 12)
    )
    assert working == [(at(SHANGHAI_TZ, 2026, 4, 6, 22), at(SHANGHAI_TZ, 2026, 4, 7, 6))]
    assert calendar.covers(working, at(SHANGHAI_TZ, 2026, 4, 6, 23), at(SHANGHAI_TZ, 2026, 4, 7, 1))
    assert not calendar.covers(working, at(SHANGHAI_TZ, 2026, 4, 7, 5), at(SHANGHAI_TZ, 2026, 4, 7, 7))


def test_free_slots_of_a_night_shift_skip_what_is_busy():
    working = calendar.working_intervals(
        NIGHT_SHIFT, SHANGHAI_TZ, at(SHANGHAI_TZ, 2026, 4, 6), at(SHANGHAI_TZ, 2026, 4, 8)
    )
    busy = [(at(SHANGHAI_TZ, 2026, 4, 6, 23, 30), at(SHANGHAI_TZ, 2026, 4, 7, 0, 30))]
    assert calendar.subtract(working, busy) == [
        (at(SHANGHAI_TZ, 2026, 4, 6, 22), at(SHANGHAI_TZ, 2026, 4, 6, 23, 30)),
        (at(SHANGHAI_TZ, 2026, 4, 7, 0, 30), at(SHANGHAI_TZ, 2026, 4, 7, 6)),
    ]


def test_a_window_across_midnight_is_split_into_local_pieces():
    pieces = calendar.local_pieces(at(SHANGHAI_TZ, 2026, 4, 6, 23), at(SHANGHAI_TZ, 2026, 4, 7, 1), SHANGHAI_TZ)
    assert pieces == [
        LocalPiece(weekday=1, start=dt.time(23), end=MIDNIGHT, to_midnight=True),
        LocalPiece(weekday=2, start=MIDNIGHT, end=dt.time(1), to_midnight=False),
    ]


def test_intervals_are_half_open_so_touching_ones_merge_and_do_not_clash():
    a, b, c = utc(2026, 4, 6, 9), utc(2026, 4, 6, 10), utc(2026, 4, 6, 11)
    assert calendar.merge([(b, c), (a, b)]) == [(a, c)]
    assert calendar.subtract([(a, c)], [(a, b)]) == [(b, c)]
    assert calendar.covers([(a, b), (b, c)], a, c)


# --- Daylight saving ------------------------------------------------------------------------

NINE_TO_FIVE_EVERY_DAY = [Block(day, dt.time(9), dt.time(17)) for day in EVERY_DAY]


@pytest.mark.parametrize(
    ("tz", "before", "after", "utc_before", "utc_after"),
    [
        # Berlin: CET (+1) → CEST (+2) on Sunday 29 March, back on Sunday 25 October.
        (BERLIN, dt.date(2026, 3, 28), dt.date(2026, 3, 30), 8, 7),
        (BERLIN, dt.date(2026, 10, 24), dt.date(2026, 10, 26), 7, 8),
        # New York: EST (−5) → EDT (−4) on Sunday 8 March, back on Sunday 1 November.
        (NEW_YORK, dt.date(2026, 3, 7), dt.date(2026, 3, 9), 14, 13),
        (NEW_YORK, dt.date(2026, 10, 31), dt.date(2026, 11, 2), 13, 14),
    ],
    ids=["berlin-spring", "berlin-autumn", "new-york-spring", "new-york-autumn"],
)
def test_a_nine_to_five_day_is_eight_real_hours_either_side_of_a_change(tz, before, after, utc_before, utc_after):
    for day, utc_hour in ((before, utc_before), (after, utc_after)):
        start = dt.datetime.combine(day, MIDNIGHT, tzinfo=tz)
        working = calendar.working_intervals(NINE_TO_FIVE_EVERY_DAY, tz, start, start + dt.timedelta(days=1))
        assert working == [
            (utc(day.year, day.month, day.day, utc_hour), utc(day.year, day.month, day.day, utc_hour + 8))
        ]
        assert hours(working) == 8


def test_the_day_of_the_change_is_still_eight_hours_from_nine_to_five():
    for day in (dt.date(2026, 3, 29), dt.date(2026, 10, 25)):
        start = dt.datetime.combine(day, MIDNIGHT, tzinfo=BERLIN)
        working = calendar.working_intervals(NINE_TO_FIVE_EVERY_DAY, BERLIN, start, start + dt.timedelta(hours=23))
        assert hours(working) == 8


@pytest.mark.parametrize(
    ("day", "real_hours", "utc_start", "utc_end"),
    [
        (dt.date(2026, 3, 28), 7, utc(2026, 3, 28, 21), utc(2026, 3, 29, 4)),  # spring forward: an hour less
        (dt.date(2026, 10, 24), 9, utc(2026, 10, 24, 20), utc(2026, 10, 25, 5)),  # fall back: an hour more
    ],
)
def test_a_night_shift_across_the_change_is_as_long_as_the_clock_says(day, real_hours, utc_start, utc_end):
    saturday_night = [Block(6, dt.time(22), MIDNIGHT), Block(7, MIDNIGHT, dt.time(6))]
    start = dt.datetime.combine(day, MIDNIGHT, tzinfo=BERLIN)
    working = calendar.working_intervals(saturday_night, BERLIN, start, start + dt.timedelta(days=2))
    assert working == [(utc_start, utc_end)]
    assert hours(working) == real_hours


def test_a_working_block_across_the_spring_forward_gap():
    # 01:00–04:00 on 29 March: 02:00–03:00 does not exist, so two real hours.
    block = Block(7, dt.time(1), dt.time(4))
    start, end = calendar.block_interval(block, dt.date(2026, 3, 29), BERLIN)
    assert (start, end) == (utc(2026, 3, 29, 0), utc(2026, 3, 29, 2))
    # A real hour that straddles the gap, 01:30 CET → 03:30 CEST, is one local piece inside the block.
    window = (utc(2026, 3, 29, 0, 30), utc(2026, 3, 29, 1, 30))
    assert calendar.local_pieces(*window, BERLIN) == [LocalPiece(7, dt.time(1, 30), dt.time(3, 30), False)]
    assert calendar.covers([(start, end)], *window)


def test_local_pieces_keep_wall_clock_times_in_the_autumn_repeated_hour():
    # 02:30 CEST → 02:30 CET is one real hour on one local day.
    pieces = calendar.local_pieces(utc(2026, 10, 25, 0, 30), utc(2026, 10, 25, 1, 30), BERLIN)
    assert pieces == [LocalPiece(7, dt.time(2, 30), dt.time(2, 30), False)]
    # 02:30 CEST → 02:15 CET ends "earlier" on the wall clock than it starts, yet is 45 real
    # minutes; given in Berlin time, both ends share one tzinfo, which compares wall clocks.
    start, end = at(BERLIN, 2026, 10, 25, 2, 30), at(BERLIN, 2026, 10, 25, 2, 15).replace(fold=1)
    assert calendar.local_pieces(start, end, BERLIN) == [LocalPiece(7, dt.time(2, 30), dt.time(2, 15), False)]


# --- Working hours are kept merged ----------------------------------------------------------


@pytest.mark.parametrize(
    ("blocks", "merged"),
    [
        ([(1, dt.time(9), dt.time(12)), (1, dt.time(12), dt.time(18))], [(1, dt.time(9), dt.time(18))]),
        ([(1, dt.time(13), dt.time(18)), (1, dt.time(9), dt.time(14))], [(1, dt.time(9), dt.time(18))]),
        ([(1, dt.time(22), MIDNIGHT), (1, dt.time(18), dt.time(22))], [(1, dt.time(18), MIDNIGHT)]),
        ([(1, dt.time(9), MIDNIGHT), (1, dt.time(10), dt.time(11))], [(1, dt.time(9), MIDNIGHT)]),
        (
            [(1, dt.time(9), dt.time(12)), (1, dt.time(13), dt.time(18))],
            [(1, dt.time(9), dt.time(12)), (1, dt.time(13), dt.time(18))],
        ),
        (
            [(2, MIDNIGHT, dt.time(6)), (1, dt.time(22), MIDNIGHT)],
            [(1, dt.time(22), MIDNIGHT), (2, MIDNIGHT, dt.time(6))],
        ),
    ],
    ids=["touching", "overlapping", "to-midnight", "contained", "gap-kept", "weekdays-apart"],
)
def test_merge_working_hours_joins_touching_and_overlapping_blocks(blocks, merged):
    assert merge_working_hours(blocks) == merged


# --- Availability in the database and in Python ---------------------------------------------


@pytest.mark.django_db
def test_a_night_shift_engineer_is_free_across_midnight(north):
    night = [(1, dt.time(22), MIDNIGHT), (2, MIDNIGHT, dt.time(6))]
    engineer = make_engineer("night", region=north, working_hours=night)
    window = (at(SHANGHAI_TZ, 2026, 4, 6, 23), at(SHANGHAI_TZ, 2026, 4, 7, 1))
    assert unavailability(engineer, *window) is None
    assert list(engineer_search(free_from=window[0], free_to=window[1])) == [engineer]
    late = (at(SHANGHAI_TZ, 2026, 4, 7, 5), at(SHANGHAI_TZ, 2026, 4, 7, 7))
    assert unavailability(engineer, *late) is not None
    assert not engineer_search(free_from=late[0], free_to=late[1]).exists()


@pytest.mark.django_db
def test_search_follows_each_engineers_own_clock_across_a_change(north):
    nine_to_five = [(day, dt.time(9), dt.time(17)) for day in range(1, 6)]
    shanghai = make_engineer("sh", region=north, working_hours=nine_to_five)
    berlin = make_engineer("be", region=north, time_zone="Europe/Berlin", working_hours=nine_to_five)
    new_york = make_engineer("ny", region=north, time_zone="America/New_York", working_hours=nine_to_five)

    def free(start, end):
        found = set(engineer_search(free_from=start, free_to=end))
        assert found == {e for e in (shanghai, berlin, new_york) if unavailability(e, start, end) is None}
        return found

    # 07:30–08:30 UTC: 08:30 in Berlin on Friday (CET, not yet at work), 09:30 on Monday (CEST).
    assert free(utc(2026, 3, 27, 7, 30), utc(2026, 3, 27, 8, 30)) == {shanghai}
    assert free(utc(2026, 3, 30, 7, 30), utc(2026, 3, 30, 8, 30)) == {shanghai, berlin}
    # 13:30–14:30 UTC: 08:30 in New York on Friday 6 March (EST), 09:30 on Monday 9 March (EDT).
    assert free(utc(2026, 3, 6, 13, 30), utc(2026, 3, 6, 14, 30)) == {berlin}
    assert free(utc(2026, 3, 9, 13, 30), utc(2026, 3, 9, 14, 30)) == {berlin, new_york}


@pytest.mark.django_db
def test_a_window_in_the_repeated_hour_is_not_free_without_working_hours(north):
    weekdays_only = make_engineer("be", region=north, time_zone="Europe/Berlin")
    start, end = at(BERLIN, 2026, 10, 25, 2, 30), at(BERLIN, 2026, 10, 25, 2, 15).replace(fold=1)
    assert unavailability(weekdays_only, start, end) is not None
    assert not engineer_search(free_from=start, free_to=end).exists()


# --- Property: the database search and availability.unavailability agree -------------------

# Singapore keeps Shanghai's clock and Paris Berlin's: the search tests such zones together.
ZONES = ["Asia/Shanghai", "Asia/Singapore", "Europe/Berlin", "Europe/Paris", "America/New_York"]
# Days around every change of both DST zones in 2026, and an ordinary week.
BASE_DAYS = [
    utc(2026, 3, 6),
    utc(2026, 3, 27),
    utc(2026, 4, 6),
    utc(2026, 10, 23),
    utc(2026, 10, 30),
]
# Wall-clock boundaries of working hours avoid 01:00–03:00, where Berlin and New York clocks skip
# or repeat: the database compares wall-clock times, and a boundary that does not exist (or
# exists twice) that night has no single real instant to agree on.
BOUNDARIES = [dt.time(h, m) for h in [0, *range(3, 24)] for m in (0, 30)]


@st.composite
def working_hours(draw):
    blocks = []
    for day in EVERY_DAY:
        for _ in range(draw(st.integers(0, 2))):
            start = draw(st.sampled_from(BOUNDARIES))
            later = [t for t in BOUNDARIES if t > start]
            end = draw(st.sampled_from([*later, MIDNIGHT]))
            blocks.append((day, start, end))
    return blocks


@st.composite
def moments(draw, base):
    return base + dt.timedelta(minutes=15 * draw(st.integers(0, 4 * 24 * 4)))


@st.composite
def intervals(draw, base, longest_minutes):
    start = draw(moments(base))
    return start, start + dt.timedelta(minutes=15 * draw(st.integers(1, longest_minutes // 15)))


@st.composite
def worlds(draw):
    base = draw(st.sampled_from(BASE_DAYS))
    engineers = [
        {
            "time_zone": zone,
            "working_hours": draw(working_hours()),
            "time_off": draw(st.lists(intervals(base, 36 * 60), max_size=2)),
            "bookings": draw(
                st.lists(
                    st.tuples(intervals(base, 10 * 60), st.sampled_from([*BookingStatus.values])),
                    max_size=4,
                )
            ),
        }
        for zone in ZONES
    ]
    windows = draw(st.lists(intervals(base, 30 * 60), min_size=1, max_size=6))
    return engineers, windows


def _book_directly(engineer, work_order, budget, start, end, status):
    """A booking row as the services would leave it, without their checks (they are not under test)."""
    holding = Booking.objects.filter(engineer=engineer, status__in=HOLDING_STATUSES)
    if status != BookingStatus.CANCELLED and holding.filter(start__lt=end, end__gt=start).exists():
        return  # the exclusion constraint would refuse it
    Booking.objects.create(
        work_order=work_order,
        engineer=engineer,
        budget=budget,
        stage=work_order.stage,
        activity=work_order.activity,
        start=start,
        end=end,
        status=status,
        hours=Decimal(1),
        hourly_rate=Decimal(500),
        cost=Decimal(500),
    )


@pytest.mark.django_db
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(world=worlds())
def test_free_window_search_agrees_with_unavailability(north, solution_a, rep, world):
    specs, windows = world
    with transaction.atomic():
        budget = open_budget(rep, "2026Q2")
        opportunity = make_opportunity(rep, region=north, solution=solution_a)
        work_order = WorkOrder.objects.create(
            opportunity=opportunity,
            stage=PresalesStage.VALUE_PRESENTATION,
            activity=Activity.WORKSHOP,
            solution=solution_a,
            desired_start=utc(2026, 3, 1),
            desired_end=utc(2026, 3, 2),
        )
        engineers = []
        for number, spec in enumerate(specs):
            engineer = make_engineer(
                f"e{number}",
                region=north,
                time_zone=spec["time_zone"],
                working_hours=spec["working_hours"],
                time_off=spec["time_off"],
            )
            for (start, end), status in spec["bookings"]:
                _book_directly(engineer, work_order, budget, start, end, status)
            engineers.append(engineer)
        for start, end in windows:
            in_python = {e.pk for e in engineers if unavailability(e, start, end) is None}
            in_database = set(engineer_search(free_from=start, free_to=end).values_list("pk", flat=True))
            assert in_database == in_python, (start, end)
            board = schedules(engineers, start - dt.timedelta(days=1), end + dt.timedelta(days=1))
            on_board = {pk for pk, schedule in board.items() if calendar.covers(schedule.free, start, end)}
            assert on_board == in_python, (start, end)
        transaction.set_rollback(True)
