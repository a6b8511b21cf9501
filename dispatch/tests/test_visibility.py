"""Full-process visibility of an opportunity, on the reference file's opportunity o1."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dispatch.models import Booking
from dispatch.visibility import opportunity_visibility
from presales.models import Opportunity, User
from presales.tests.scenario_files import load, reference_path

pytestmark = pytest.mark.django_db


@pytest.fixture
def o1():
    load(reference_path())
    return Opportunity.objects.get(key="o1")


def hours(visibility) -> dict[str, dict[str, Decimal]]:
    return {r.engineer.user.username: dict(r.hours_by_stage) for r in visibility.engineers}


def test_the_owner_sees_hours_by_engineer_and_stage_delays_ratings_and_money(o1):
    seen = opportunity_visibility(opportunity=o1, viewer=o1.owner)
    assert hours(seen) == {
        "zhang": {"value_presentation": 16, "bid_preparation": 32, "bidding": 32},
        "li": {"value_presentation": 32},
        "wang": {"value_presentation": 40},
    }
    assert {r.engineer.user.username: r.total_hours for r in seen.engineers} == {"zhang": 80, "li": 32, "wang": 40}
    assert seen.delay_counts == {"total": 4, "on_time": 1, "slight": 1, "severe": 2}
    ratings = {r.engineer.user.username: r.rating_avg for r in seen.engineers}
    assert ratings["zhang"] >= 4 and ratings["wang"] >= 4 and ratings["li"] == 3  # satisfied / neutral
    charged = sum(b.charged for b in Booking.objects.filter(work_order__opportunity=o1))
    assert seen.spent == charged
    assert seen.reserved == 0


def test_the_region_manager_sees_everything_an_engineer_only_their_part(o1):
    manager = opportunity_visibility(opportunity=o1, viewer=User.objects.get(username="mgr_north"))
    assert set(hours(manager)) == {"zhang", "li", "wang"}
    li = opportunity_visibility(opportunity=o1, viewer=User.objects.get(username="li"))
    assert hours(li) == {"li": {"value_presentation": 32}}
    assert li.spent is None and li.reserved is None
    assert li.delay_counts["total"] == 1


def test_queries_do_not_grow_with_the_bookings(o1):
    with CaptureQueriesContext(connection) as few:
        opportunity_visibility(opportunity=o1, viewer=o1.owner)
    o2 = Opportunity.objects.get(key="o2")
    assert (
        Booking.objects.filter(work_order__opportunity=o2).count()
        != Booking.objects.filter(work_order__opportunity=o1).count()
    )
    with CaptureQueriesContext(connection) as other:
        opportunity_visibility(opportunity=o2, viewer=o2.owner)
    assert len(few) == len(other)
