"""``manage.py seed_demo``: a login per role, loaded once, dated around today."""

import datetime as dt
from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.utils import timezone

from presales.choices import DISPATCHABLE_STAGES, CustomerTier, Role
from presales.models import Customer, Opportunity, RoleAssignment, ScenarioImport
from presales.periods import Quarter
from presales.tests.scenario_files import row_counts

pytestmark = pytest.mark.django_db


def seed(**options) -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out, **options)
    return out.getvalue()


@pytest.fixture
def seeded():
    return seed()


def test_every_role_has_a_demo_login_with_the_demo_password(seeded):
    for role in Role.values:
        username = RoleAssignment.objects.filter(role=role).values_list("user__username", flat=True).first()
        assert username, f"no demo login for {role}"
        assert authenticate(username=username, password="demo") is not None
        assert f"{username}  " in seeded  # the printed table of logins


def test_the_demo_is_lively(seeded):
    assert apps.get_model("dispatch", "Engineer").objects.count() >= 12
    assert set(Customer.objects.values_list("tier", flat=True)) == set(CustomerTier.values)
    assert set(Opportunity.objects.values_list("stage", flat=True)) <= set(DISPATCHABLE_STAGES)
    assert Opportunity.objects.filter(owner__role_assignments__role=Role.SALES).count() == Opportunity.objects.count()


def test_demo_dates_are_around_today(seeded):
    today = timezone.localdate()
    quarter = Quarter.of(timezone.now())
    SalesTarget, Attainment = (apps.get_model("budgeting", name) for name in ("SalesTarget", "Attainment"))
    periods = {str(quarter.previous), str(quarter), str(quarter.next)}
    assert set(SalesTarget.objects.values_list("period", flat=True)) == periods
    assert set(Attainment.objects.values_list("period", flat=True)) == {str(quarter.previous)}
    starts = [timezone.localtime(off.start).date() for off in apps.get_model("dispatch", "TimeOff").objects.all()]
    assert starts
    assert all(today < start <= today + dt.timedelta(weeks=6) for start in starts)


def test_the_demo_has_finished_work_and_upcoming_bookings(seeded):
    Booking = apps.get_model("dispatch", "Booking")
    now = timezone.now()
    finished = Booking.objects.filter(status="rated")
    upcoming = Booking.objects.filter(status__in=["booked", "acknowledged"])
    assert finished.count() == upcoming.count() == Opportunity.objects.count()
    assert all(booking.end < now for booking in finished)
    assert all(booking.start > now for booking in upcoming)
    for booking in Booking.objects.select_related("work_order__opportunity__solution", "engineer"):
        assert booking.engineer.solutions.filter(pk=booking.work_order.opportunity.solution_id).exists()


@pytest.mark.parametrize("today", [dt.date(2027, 1, 4), dt.date(2027, 3, 31), dt.date(2027, 7, 1)])
def test_the_demo_loads_on_any_day_of_a_quarter(today):
    """Three weeks back may be last quarter, and a few days ahead the next: both have budgets."""
    from presales.demo import demo_scenario
    from presales.scenario import load_scenario

    data = demo_scenario(today, "Asia/Shanghai")
    for order in data["work_orders"]:  # the import refuses nothing "in the past" for history
        for booking in order["bookings"]:
            assert dt.date.fromisoformat(booking["start"][:10]).isoweekday() <= 5
    load_scenario(data, name="demo", password=None)
    assert apps.get_model("dispatch", "Booking").objects.count() == 2 * Opportunity.objects.count()


def test_seeding_twice_is_a_no_op(seeded):
    before = row_counts()
    assert "already loaded" in seed()
    assert row_counts() == before
    assert ScenarioImport.objects.get().name == "demo"


def test_the_password_can_be_chosen():
    seed(password="s3cret-demo")
    assert authenticate(username="admin", password="s3cret-demo") is not None


def test_a_database_holding_another_scenario_is_left_alone():
    ScenarioImport.objects.create(name="acme", sha256="0" * 64)
    assert "not added" in seed()
    assert not Customer.objects.exists()
