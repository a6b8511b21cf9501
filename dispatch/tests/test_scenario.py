"""Engineers from a scenario file: account, profile, skills, calendar and time off."""

import datetime as dt

import pytest
from django.core.management.base import CommandError

from dispatch.models import TimeOff
from presales.tests.scenario_files import broken_copy, load, row_counts, set_at

pytestmark = pytest.mark.django_db

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def test_time_off_keeps_its_offset(tmp_path):
    leave = {"start": "2026-05-04T09:00:00+08:00", "end": "2026-05-06T18:00:00+08:00"}
    load(broken_copy(tmp_path, set_at("engineers[1].time_off", [leave])))
    off = TimeOff.objects.get(engineer__user__username="li")
    assert off.start == dt.datetime(2026, 5, 4, 9, tzinfo=SHANGHAI)
    assert off.end == dt.datetime(2026, 5, 6, 18, tzinfo=SHANGHAI)


BROKEN = [
    (set_at("engineers[3].skills[0].code", "nope"), "engineers[3].skills[0].code: unknown skill 'nope'"),
    (set_at("engineers[0].skills[1].level", 6), "engineers[0].skills[1].level: 6 is above the maximum 5"),
    (set_at("engineers[1].grade", "P9"), "engineers[1].grade: The rate card has no rate for presales / P9."),
    (set_at("engineers[2].solutions", ["A", "Z"]), "engineers[2].solutions[1]: unknown solution 'Z'"),
    (set_at("engineers[4].region", "west"), "engineers[4].region: unknown region 'west'"),
    (set_at("engineers[5].username", "rep_a"), "engineers[5].username: user 'rep_a' appears twice in the file"),
    (set_at("engineers[6].working_hours.weekdays", [1, 8]), "engineers[6].working_hours.weekdays[1]: 8 is above"),
    (set_at("engineers[7].working_hours.start", "9am"), "engineers[7].working_hours.start: expected a local time"),
    (
        set_at("engineers[8].working_hours.end", "08:00"),
        "engineers[8].working_hours: Working hours must end after they start",
    ),
    (
        set_at("engineers[9].time_off", [{"start": "2026-05-04T09:00:00", "end": "2026-05-04T18:00:00+08:00"}]),
        "engineers[9].time_off[0].start: '2026-05-04T09:00:00' has no UTC offset",
    ),
    (
        set_at("engineers[10].time_off", [{"start": "2026-05-04T18:00:00+08:00", "end": "2026-05-04T09:00:00+08:00"}]),
        "engineers[10].time_off: Every interval must end after it starts.",
    ),
]


@pytest.mark.parametrize(("change", "message"), BROKEN, ids=[message.split(":")[0] for _c, message in BROKEN])
def test_a_broken_engineer_names_the_record_and_field_and_changes_nothing(tmp_path, change, message):
    before = row_counts()  # rows that migrations seed are not the import's
    with pytest.raises(CommandError) as raised:
        load(broken_copy(tmp_path, change))
    assert message in str(raised.value)
    assert row_counts() == before


# --- Acceptance: the figures and the search of the source articles --------------------------


BROKEN_BOOKINGS = [
    (  # the same day and hours as the booking before it
        [
            set_at("work_orders[3].bookings[1].start", "2026-03-02T09:00:00+08:00"),
            set_at("work_orders[3].bookings[1].end", "2026-03-02T17:00:00+08:00"),
        ],
        "work_orders[3].bookings[1].start: ",
        "Zhang",
    ),
    (  # Wang works until 18:00
        [set_at("work_orders[2].bookings[0].end", "2026-02-18T19:00:00+08:00")],
        "work_orders[2].bookings[0].start: ",
        "Wang",
    ),
    (  # a Saturday
        [
            set_at("work_orders[1].bookings[2].start", "2026-02-14T09:00:00+08:00"),
            set_at("work_orders[1].bookings[2].end", "2026-02-14T17:00:00+08:00"),
        ],
        "work_orders[1].bookings[2].start: ",
        "Li",
    ),
]


@pytest.mark.parametrize(("changes", "where", "who"), BROKEN_BOOKINGS, ids=["overlap", "after-hours", "weekend"])
def test_a_broken_booking_names_the_record_and_field_and_changes_nothing(tmp_path, changes, where, who):
    def change(data):
        for one in changes:
            one(data)

    before = row_counts()  # rows that migrations seed are not the import's
    with pytest.raises(CommandError) as raised:
        load(broken_copy(tmp_path, change))
    message = str(raised.value)
    assert where in message
    assert who in message.split(where, 1)[1]
    assert row_counts() == before
