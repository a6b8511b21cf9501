"""Engineers from a scenario file: account, profile, skills, calendar and time off."""

import datetime as dt
import zoneinfo
from decimal import Decimal

import pytest
from django.core.management.base import CommandError

from budgeting.models import Budget
from dispatch.availability import unavailability
from dispatch.bookings import booking_create
from dispatch.models import Engineer, TimeOff, WorkingHours
from dispatch.selectors import engineer_search
from presales.choices import Activity, PresalesStage, Role
from presales.models import Opportunity, Region, Skill, Solution
from presales.tests.scenario_files import broken_copy, load, reference_data, reference_path, row_counts, set_at

pytestmark = pytest.mark.django_db

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture
def loaded():
    return load(reference_path())


def test_every_engineer_is_loaded_with_an_engineer_account(loaded):
    assert Engineer.objects.count() == 16
    assert all(engineer.user.role_codes == {Role.ENGINEER} for engineer in Engineer.objects.select_related("user"))
    assert Engineer.objects.filter(region__code="east").count() == 1


def test_zhang_has_his_profile_skills_and_working_hours(loaded):
    zhang = Engineer.objects.get(user__username="zhang")
    assert (zhang.resource_type, zhang.grade, zhang.region.code) == ("architect", "P5", "north")
    assert zhang.time_zone == "Asia/Shanghai"
    assert zhang.user.display_name == "张工 Zhang"
    assert sorted(zhang.solutions.values_list("code", flat=True)) == ["A", "B"]
    assert {level.skill.code: level.level for level in zhang.skill_levels.all()} == {"gis": 5, "cloud": 4, "bid": 4}
    hours = [(h.weekday, h.start, h.end) for h in zhang.working_hours.all()]
    assert hours == [(day, dt.time(9), dt.time(18)) for day in range(1, 6)]


def test_engineers_have_history(loaded):
    assert Engineer.history.values("id").distinct().count() == 16
    assert Engineer.history.filter(user__username="zhang", history_type="+").count() == 1
    assert WorkingHours.history.filter(engineer__user__username="zhang").count() == 5


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


def test_rep_a_q2_budget_is_the_source_figures(loaded):
    budget = Budget.objects.get(owner__username="rep_a", period="2026Q2")
    assert (budget.allocated, budget.reserved, budget.spent, budget.remaining) == (
        Decimal("250000.00"),
        Decimal("100000.00"),
        Decimal("50000.00"),
        Decimal("100000.00"),
    )


def _first_weekday_all_free(engineers, after: dt.datetime, tz: zoneinfo.ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
    """13:30–14:30 local on the first weekday after ``after`` when every one of ``engineers`` is free."""
    day = after.astimezone(tz).date()
    for _ in range(60):
        day += dt.timedelta(days=1)
        start = dt.datetime.combine(day, dt.time(13, 30), tzinfo=tz)
        end = start + dt.timedelta(hours=1)
        if day.isoweekday() <= 5 and all(unavailability(e, start, end) is None for e in engineers):
            return start, end
    raise AssertionError("no common free weekday in the two months after the history")


def test_of_three_matching_engineers_only_wang_is_free_and_only_he_is_offered(loaded):
    data = reference_data()
    as_of = dt.datetime.fromisoformat(data["as_of"])
    criteria = {
        "solution": Solution.objects.get(code="A"),
        "skills": [Skill.objects.get(code="gis")],
        "min_level": 3,
        "region": Region.objects.get(code="north"),
    }
    matching = list(engineer_search(**criteria))
    assert sorted(e.user.username for e in matching) == ["li", "wang", "zhang"]
    start, end = _first_weekday_all_free(matching, as_of, zoneinfo.ZoneInfo(data["timezone"]))
    assert [e.user.username for e in engineer_search(**criteria, free_from=start, free_to=end)] != ["wang"]

    opportunity = Opportunity.objects.get(key="o1")
    for username in ("zhang", "li"):
        booking_create(
            by=opportunity.owner,
            engineer=Engineer.objects.get(user__username=username),
            opportunity=opportunity,
            stage=PresalesStage.BIDDING,
            activity=Activity.EXCHANGE,
            start=start,
            end=end,
            now=as_of,
        )

    found = engineer_search(**criteria, free_from=start, free_to=end)
    assert [e.user.username for e in found] == ["wang"]


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
