"""The reference file's engineers, budgets and free engineers, imported once for the module."""

import datetime as dt
import zoneinfo
from decimal import Decimal

import pytest

from budgeting.models import Budget
from dispatch.availability import unavailability
from dispatch.models import Engineer, WorkingHours
from dispatch.selectors.engineers import engineer_search
from dispatch.services.bookings import booking_create
from presales.choices import Activity, PresalesStage, Role
from presales.models import Opportunity, Region, Skill, Solution
from presales.tests.scenario_files import reference_data

pytestmark = pytest.mark.django_db

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


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


@pytest.fixture
def loaded(reference_scenario):
    """What importing the reference file printed; it is imported once for the module (conftest.py)."""
    return reference_scenario


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


def test_rep_a_q2_budget_is_the_source_figures(loaded):
    budget = Budget.objects.get(owner__username="rep_a", period="2026Q2")
    assert (budget.allocated, budget.reserved, budget.spent, budget.remaining) == (
        Decimal("250000.00"),
        Decimal("100000.00"),
        Decimal("50000.00"),
        Decimal("100000.00"),
    )


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
